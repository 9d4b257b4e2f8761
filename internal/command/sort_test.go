package command

import "testing"

// Cases the differential tests cannot hold (see integration sort.txt).
func TestSortNumbers(t *testing.T) {
	e := newStrEnv(t)
	tests := []struct{ cmd, want string }{
		{"RPUSH inf 1e400 1", ":2\r\n"},
		{"SORT inf", "-" + ErrSortScore + "\r\n"},
		{"RPUSH ok 1 inf -inf", ":3\r\n"},
		{"SORT ok", "*3\r\n" + bulk("-inf") + bulk("1") + bulk("inf")},
		{"RPUSH n nan", ":1\r\n"},
		{"SORT n", "-" + ErrSortScore + "\r\n"},
	}
	for _, tt := range tests {
		if got := e.do(tt.cmd); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.cmd, got, tt.want)
		}
	}
}
