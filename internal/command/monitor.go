package command

import (
	"strconv"
)

// MonitorSink receives the MONITOR feed for one monitoring client. Send
// must not block: the server queues the line on that client's connection.
type MonitorSink struct {
	Client *Client
	Send   func(line []byte)
}

// AddMonitor starts feeding m.
func (s *State) AddMonitor(m *MonitorSink) { s.monitors = append(s.monitors, m) }

// RemoveMonitor stops feeding cl (on disconnect or RESET).
func (s *State) RemoveMonitor(cl *Client) {
	for i, m := range s.monitors {
		if m.Client == cl {
			s.monitors = append(s.monitors[:i], s.monitors[i+1:]...)
			return
		}
	}
}

// feedMonitors sends one command to every monitor, formatted as Redis
// does: +<sec>.<usec> [<db> <addr>] "arg" ...
func (s *State) feedMonitors(cl *Client, db int, args [][]byte, nowUs int64) {
	if len(s.monitors) == 0 {
		return
	}
	line := make([]byte, 0, 64)
	line = append(line, '+')
	line = strconv.AppendInt(line, nowUs/1000000, 10)
	line = append(line, '.')
	us := nowUs % 1000000
	for d := int64(100000); d > 1 && us < d; d /= 10 {
		line = append(line, '0')
	}
	line = strconv.AppendInt(line, us, 10)
	line = append(line, " ["...)
	line = strconv.AppendInt(line, int64(db), 10)
	line = append(line, ' ')
	if cl.Unix {
		line = append(line, "unix:"...)
		line = append(line, cl.SocketPath...)
	} else {
		line = append(line, cl.Addr...)
	}
	line = append(line, ']')
	for _, a := range args {
		line = append(line, ' ')
		line = AppendRepr(line, a)
	}
	line = append(line, "\r\n"...)
	// A monitor sees its own commands too, as in Redis.
	for _, m := range s.monitors {
		m.Send(line)
	}
}

// AppendRepr quotes b the way Redis's sdscatrepr does.
func AppendRepr(dst, b []byte) []byte {
	dst = append(dst, '"')
	for _, c := range b {
		switch c {
		case '\\', '"':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\a':
			dst = append(dst, '\\', 'a')
		case '\b':
			dst = append(dst, '\\', 'b')
		default:
			if c >= 0x20 && c < 0x7f {
				dst = append(dst, c)
			} else {
				const hexd = "0123456789abcdef"
				dst = append(dst, '\\', 'x', hexd[c>>4], hexd[c&15])
			}
		}
	}
	return append(dst, '"')
}
