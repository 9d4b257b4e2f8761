package server

// The thin layer between the event loop and Linux: epoll, an eventfd to
// wake the loop from other goroutines, and non-blocking socket I/O on raw
// file descriptors.
//
// Reads and writes go through RawSyscall: the sockets are non-blocking, so
// the calls never sleep in the kernel and the Go scheduler need not be told
// (entersyscall/exitsyscall cost more than a loopback read of a few bytes).
// Only epoll_wait, which does sleep, uses the scheduler-aware path.

import (
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// errAgain means a non-blocking read found nothing to read.
var errAgain = errors.New("try again")

// fdReader is a resp.Reader source on a non-blocking socket. A read that
// finds no data returns errAgain, the peer closing returns io.EOF.
type fdReader struct{ fd int }

func (r fdReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(r.fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		switch {
		case e == 0 && int(n) > 0:
			return int(n), nil
		case e == 0:
			return 0, io.EOF
		case e == unix.EINTR:
			continue
		case e == unix.EAGAIN:
			return 0, errAgain
		default:
			return 0, e
		}
	}
}

// writeFD writes as much of p as the socket takes without blocking. A full
// socket buffer is (n < len(p), nil); a broken connection is an error.
func writeFD(fd int, p []byte) (int, error) {
	done := 0
	for done < len(p) {
		n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[done])), uintptr(len(p)-done))
		switch {
		case e == 0:
			done += int(n)
		case e == unix.EINTR:
		case e == unix.EAGAIN:
			return done, nil
		default:
			return done, e
		}
	}
	return done, nil
}

// poller is one epoll instance plus the eventfd that wakes it.
type poller struct {
	epfd   int
	wakeFD int
	events []unix.EpollEvent
}

const (
	evRead  = unix.EPOLLIN
	evWrite = unix.EPOLLOUT
)

func newPoller() (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	p := &poller{epfd: epfd, wakeFD: wfd, events: make([]unix.EpollEvent, 256)}
	if err := p.add(wfd, evRead); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *poller) add(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

func (p *poller) modify(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
}

func (p *poller) remove(fd int) {
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// wait returns the ready events, sleeping at most timeoutMs (-1: forever).
// It first polls without sleeping through the cheap path: under load there
// usually is something ready, and then the scheduler round trip of a
// blocking system call is saved.
func (p *poller) wait(timeoutMs int) ([]unix.EpollEvent, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd), uintptr(unsafe.Pointer(&p.events[0])), uintptr(len(p.events)), 0, 0, 0)
	if e == 0 && n > 0 {
		return p.events[:n], nil
	}
	for {
		m, err := unix.EpollWait(p.epfd, p.events, timeoutMs)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		return p.events[:m], nil
	}
}

// poll returns the ready events without sleeping, into buf (not the
// buffer wait uses: a poll from inside a turn must not overwrite the
// events the turn is still handling).
func (p *poller) poll(buf []unix.EpollEvent) []unix.EpollEvent {
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0, 0)
	if e != 0 {
		return nil
	}
	return buf[:n]
}

// wake makes a sleeping wait return; safe from any goroutine.
func (p *poller) wake() {
	one := [8]byte{1}
	_, _ = unix.Write(p.wakeFD, one[:])
}

// drainWake consumes the wake-ups counted so far.
func (p *poller) drainWake() {
	var buf [8]byte
	_, _ = unix.Read(p.wakeFD, buf[:])
}

func (p *poller) close() {
	unix.Close(p.wakeFD)
	unix.Close(p.epfd)
}

// listenerFD duplicates a Go listener's socket so that the event loop owns
// it, then closes the Go listener (keeping a unix socket's file on disk).
func listenerFD(ln net.Listener) (int, error) {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return -1, errors.New("listener has no file descriptor")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		ln.Close()
		return -1, err
	}
	fd := -1
	var derr error
	if err := raw.Control(func(f uintptr) { fd, derr = unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		ln.Close()
		return -1, err
	}
	if derr != nil {
		ln.Close() // out of descriptors: do not keep the port bound
		return -1, derr
	}
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(false)
	}
	ln.Close()
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// acceptFD takes one pending connection, non-blocking and close-on-exec.
// It returns errAgain when none is pending.
func acceptFD(lfd int) (int, unix.Sockaddr, error) {
	for {
		fd, sa, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch err {
		case nil:
			return fd, sa, nil
		case unix.EINTR, unix.ECONNABORTED:
			continue
		case unix.EAGAIN:
			return -1, nil, errAgain
		default:
			return -1, nil, err
		}
	}
}

// tuneTCP sets TCP_NODELAY and, when keepaliveSec > 0, keepalive probes
// the way Redis's anetKeepAlive does.
func tuneTCP(fd int, keepaliveSec int) {
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	if keepaliveSec <= 0 {
		return
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, keepaliveSec)
	intvl := keepaliveSec / 3
	if intvl == 0 {
		intvl = 1
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, intvl)
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 3)
}

// formatAddr renders a socket address as Redis prints it in CLIENT LIST:
// "ip:port", "[ipv6]:port".
func formatAddr(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	}
	return ""
}

func localAddr(fd int) string {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return ""
	}
	return formatAddr(sa)
}

func closeFD(fd int) { _ = unix.Close(fd) }

// openSpareFD opens a descriptor to keep in reserve; -1 if it cannot.
func openSpareFD() int {
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}
