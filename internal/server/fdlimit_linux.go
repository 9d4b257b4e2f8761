package server

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// reservedFDs are the file descriptors kept for everything that is not a
// client (listening sockets, the epoll and wake descriptors, the log and
// pid files, later the snapshot files): Redis's CONFIG_MIN_RESERVED_FDS.
const reservedFDs = 32

// fitOpenFilesLimit makes room for maxclients connections, as Redis's
// adjustOpenFilesLimit does: it raises the soft RLIMIT_NOFILE to
// maxclients+reservedFDs, or as close to it as the system allows, and
// reports how many clients fit in the limit it ended with.
func fitOpenFilesLimit(maxclients int64) (fit int64, limit, wanted uint64, err error) {
	wanted = uint64(maxclients) + reservedFDs
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return maxclients, 0, wanted, err
	}
	if rl.Cur >= wanted {
		return maxclients, rl.Cur, wanted, nil
	}
	// Redis steps down by 16 from the wanted limit; a binary search finds
	// the highest limit the system allows in a few dozen calls, whatever
	// maxclients says (it may be up to 2^32).
	try := func(n uint64) error {
		return unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: n, Max: max(rl.Max, n)})
	}
	setErr := try(wanted)
	best := wanted
	if setErr != nil {
		lo, hi := rl.Cur, wanted // lo is allowed (the current limit), hi is not
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			if try(mid) == nil {
				lo = mid
			} else {
				hi = mid
			}
		}
		best = lo
		_ = try(best)
	}
	if best == wanted {
		return maxclients, best, wanted, nil
	}
	return int64(best) - reservedFDs, best, wanted, setErr
}

// adjustMaxClients runs fitOpenFilesLimit at start and lowers maxclients
// to what the limit allows, with Redis's log lines. It fails when not even
// the reserved descriptors fit.
func (s *Server) adjustMaxClients() error {
	want := s.cfg.Int("maxclients")
	fit, limit, wanted, err := fitOpenFilesLimit(want)
	if fit == want {
		return nil
	}
	if limit <= reservedFDs {
		return fmt.Errorf("Your current 'ulimit -n' of %d is not enough for the server to start. Please increase your open file limit to at least %d. Exiting.", limit, wanted)
	}
	s.log.Warning(fmt.Sprintf("You requested maxclients of %d requiring at least %d max file descriptors.", want, wanted))
	s.log.Warning(fmt.Sprintf("Server can't set maximum open files to %d because of OS error: %s.", wanted, strerror(err)))
	s.log.Warning(fmt.Sprintf("Current maximum open files is %d. maxclients has been reduced to %d to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.", limit, fit))
	if err := s.cfg.Set([][2]string{{"maxclients", fmt.Sprint(fit)}}); err != nil {
		return err
	}
	s.maxClients.Store(fit)
	return nil
}

// checkMaxClients is CONFIG SET maxclients' check: a higher value must fit
// in the open files limit (raised if possible), or the set fails with
// Redis's message.
func checkMaxClients(n int64) error {
	fit, _, _, _ := fitOpenFilesLimit(n)
	if fit < n {
		return fmt.Errorf("The operating system is not able to handle the specified number of clients, try with %d", fit)
	}
	return nil
}

// strerror is C's wording of an errno, as Redis logs it ("Operation not
// permitted"); Go's texts are the same but for the capital.
func strerror(err error) string {
	if err == nil {
		return "Success"
	}
	msg := err.Error()
	return strings.ToUpper(msg[:1]) + msg[1:]
}
