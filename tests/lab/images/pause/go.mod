module hak-lab/pause

go 1.22
