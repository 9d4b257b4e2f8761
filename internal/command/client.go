package command

import (
	"sync/atomic"
)

// ReplyMode is CLIENT REPLY's state.
type ReplyMode uint8

const (
	ReplyOn ReplyMode = iota
	ReplyOff
	ReplySkip     // skip the reply of the next command
	ReplySkipThis // set while running the command whose reply is skipped
)

// Client is a connection's state as commands see it. The server owns the
// connection; every field here is read and written only while the server's
// command lock is held (the server updates the buffer figures then too).
type Client struct {
	ID      int64
	Name    string
	LibName string
	LibVer  string
	Addr    string // "ip:port" or "/path/to.sock:0"
	LAddr   string // the server's side, same forms as Addr
	FD      int
	Unix    bool
	// SocketPath is the unix socket's path, for a Unix client.
	SocketPath string
	Created    int64 // Unix ms
	// LastActive is when the client last sent a command (Unix ms).
	LastActive int64
	DBIndex    int
	Proto      int
	Reply      ReplyMode
	NoEvict    bool
	Monitor    bool
	LastCmd    string
	User       string
	Authed     bool

	// CloseAfterReply asks the server to close the connection once the
	// pending replies are written (QUIT, protocol errors, CLIENT KILL of self).
	CloseAfterReply bool
	// Blocked is set while the client waits in a blocking command
	// (BLPOP, BZPOPMIN, ...); the server keeps it in its queues.
	Blocked *Blocked
	// Multi is the open transaction between MULTI and EXEC/DISCARD.
	Multi *Tx
	// InExec is set while EXEC runs the queued commands: blocking commands
	// then answer at once, as if they timed out.
	InExec bool
	// Script marks the client a script's redis.call runs as.
	Script bool
	// DirtyCAS records that a watched key changed: EXEC will fail.
	DirtyCAS bool
	watching []*watch

	// subs are the client's channel, pattern and shard-channel
	// subscriptions (pubsub.go).
	subs [3]nameSet
	// Deliver appends a published message to the client's connection;
	// the server sets it.
	Deliver func(msg []byte)
	// pushSpans are the [start, end) ranges of push replies (pub/sub
	// confirmations and messages) in the reply of the command running:
	// CLIENT REPLY OFF/SKIP drop the reply but not them, as in Redis.
	pushSpans [][2]int

	// Killed is set from other clients (CLIENT KILL) and checked by the
	// connection's goroutine.
	Killed atomic.Bool

	// Buffer figures for CLIENT LIST, refreshed by the server.
	QBuf, QBufFree, ArgvMem, OutBuf, OutMem, TotMem int64
	Events                                          string
}

// Pushed records a push reply at [start, end) of the reply buffer of the
// command running, which CLIENT REPLY OFF/SKIP must not drop. The server
// calls it for messages delivered to the client during its own command.
func (cl *Client) Pushed(start, end int) {
	if cl.Reply == ReplyOn {
		return // nothing will be dropped
	}
	cl.pushSpans = append(cl.pushSpans, [2]int{start, end})
}

// ClientNameValid reports whether a name is acceptable to CLIENT SETNAME:
// printable ASCII without spaces.
func ClientNameValid(name []byte) bool {
	for _, c := range name {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}
