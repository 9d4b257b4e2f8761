// Package integration holds the differential tests of enclavekv-server: the
// same commands are sent to the reference redis-server and to
// enclavekv-server, and the raw replies are compared. All code is in
// _test.go files; see diff_test.go for the case-file format
// (testdata/diff/*.txt) and main_test.go for how the servers are run.
//
//	go test ./integration/                                 # enclavekv vs redis
//	ENCLAVEKV_DIFF_SELFTEST=1 go test ./integration/       # redis vs redis (harness self-test)
package integration
