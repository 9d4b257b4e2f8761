package command

// Reply texts, byte for byte as Redis 7.0 sends them. Every error and
// fixed status the command layer writes lives here.
const (
	ErrSyntax          = "ERR syntax error"
	ErrNotInteger      = "ERR value is not an integer or out of range"
	ErrNotFloat        = "ERR value is not a valid float"
	ErrWrongType       = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrNoSuchKey       = "ERR no such key"
	ErrDBIndex         = "ERR DB index is out of range"
	ErrInvalidDBIndex  = "ERR invalid DB index"
	ErrOverflow        = "ERR increment or decrement would overflow"
	ErrNaNInf          = "ERR increment would produce NaN or Infinity"
	ErrExpireTime      = "ERR invalid expire time in '%s' command"
	ErrStringTooLong   = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	ErrOffsetRange     = "ERR offset is out of range"
	ErrSameObject      = "ERR source and destination objects are the same"
	ErrMaxClients      = "ERR max number of clients reached"
	ErrTimeoutNegative = "ERR timeout is negative"
	ErrTimeoutInvalid  = "ERR timeout is not an integer or out of range"
	ErrNoSuchClient    = "ERR No such client"
	ErrClientName      = "ERR Client names cannot contain spaces, newlines or special characters."
	ErrProtoVersion    = "NOPROTO unsupported protocol version"
	ErrSelectNotAllow  = "ERR SELECT is not allowed in cluster mode"
	ErrNoAuth          = "NOAUTH Authentication required."
	ErrWrongPass       = "WRONGPASS invalid username-password pair or user is disabled."
	ErrDebugDisabled   = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
	ErrLFUNotSelected  = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	ErrLFUSelected     = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	ErrNXXXGTLT        = "ERR NX and XX, GT or LT options at the same time are not compatible"
	ErrGTLTNX          = "ERR GT, LT, and/or NX options at the same time are not compatible"
	ErrCountPositive   = "ERR COUNT must be > 0"
)

// Fixed status replies.
const (
	ReplyOK     = "OK"
	ReplyPong   = "PONG"
	ReplyQueued = "QUEUED"
)

// Keys and expire family (keys.go).
const (
	ErrGTAndLT           = "ERR GT and LT options at the same time are not compatible"
	ErrUnsupportedOption = "ERR Unsupported option %s"
	ErrInvalidCursor     = "ERR invalid cursor"
	ErrIntRange          = "ERR value is out of range, value must between -2147483648 and 2147483647"
	ErrInvalidFirstDB    = "ERR invalid first DB index"
	ErrInvalidSecondDB   = "ERR invalid second DB index"
	ReplyNone            = "none"
)
