package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Logger writes Redis-style log lines ("pid:M 03 Dec 2026 20:21:04.123 * msg")
// and, underneath, keeps a structured slog handler for attributes.
type Logger struct {
	mu    sync.Mutex
	out   io.Writer
	level slog.Level
	role  byte // 'C' before the config is loaded, 'M' once serving
	pid   int
}

// Levels in Redis's vocabulary.
const (
	LevelDebug   = slog.LevelDebug
	LevelVerbose = slog.LevelDebug + 2
	LevelNotice  = slog.LevelInfo
	LevelWarning = slog.LevelWarn
)

// NewLogger logs to out at notice level.
func NewLogger(out io.Writer) *Logger {
	return &Logger{out: out, level: LevelNotice, role: 'M', pid: os.Getpid()}
}

// SetOutput redirects the log (logfile).
func (l *Logger) SetOutput(w io.Writer) {
	l.mu.Lock()
	l.out = w
	l.mu.Unlock()
}

// SetRole sets the role letter ('C' while loading config, 'M' for the main process).
func (l *Logger) SetRole(r byte) { l.role = r }

// SetLevel applies loglevel (debug, verbose, notice, warning, nothing).
func (l *Logger) SetLevel(name string) error {
	var lv slog.Level
	switch name {
	case "debug":
		lv = LevelDebug
	case "verbose":
		lv = LevelVerbose
	case "notice":
		lv = LevelNotice
	case "warning":
		lv = LevelWarning
	case "nothing":
		lv = slog.LevelError + 100
	default:
		return fmt.Errorf("invalid log level %q", name)
	}
	l.mu.Lock()
	l.level = lv
	l.mu.Unlock()
	return nil
}

func (l *Logger) logf(lv slog.Level, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lv < l.level {
		return
	}
	mark := byte('*')
	switch {
	case lv <= LevelDebug:
		mark = '.'
	case lv < LevelNotice:
		mark = '-'
	case lv >= LevelWarning:
		mark = '#'
	}
	now := time.Now()
	fmt.Fprintf(l.out, "%d:%c %s %c %s\n", l.pid, l.role, now.Format("02 Jan 2006 15:04:05.000"), mark, msg)
}

func (l *Logger) Debug(msg string)   { l.logf(LevelDebug, msg) }
func (l *Logger) Verbose(msg string) { l.logf(LevelVerbose, msg) }
func (l *Logger) Notice(msg string)  { l.logf(LevelNotice, msg) }
func (l *Logger) Warning(msg string) { l.logf(LevelWarning, msg) }

// Handler returns a slog.Handler writing through this logger, so packages
// can log structured records that come out as Redis-style lines.
func (l *Logger) Handler() slog.Handler { return &logHandler{l: l} }

type logHandler struct {
	l     *Logger
	attrs []slog.Attr
}

func (h *logHandler) Enabled(_ context.Context, lv slog.Level) bool { return lv >= h.l.level }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	add := func(a slog.Attr) bool {
		msg += " " + a.Key + "=" + a.Value.String()
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	h.l.logf(r.Level, msg)
	return nil
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{l: h.l, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *logHandler) WithGroup(string) slog.Handler { return h }
