//go:build !linux

package integration

import "os/exec"

// setDeathSignal: no parent-death signal outside Linux; servers are only
// stopped by TestMain.
func setDeathSignal(cmd *exec.Cmd) {}
