package integration

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel SIGKILL the server when the thread that
// started it (the spawner's locked thread, i.e. the test process) dies.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
