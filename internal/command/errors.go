package command

// Reply texts, byte for byte as Redis 7.0 sends them. Every error and
// fixed status the command layer writes lives here.
const (
	ErrSyntax               = "ERR syntax error"
	ErrNotInteger           = "ERR value is not an integer or out of range"
	ErrNotFloat             = "ERR value is not a valid float"
	ErrWrongType            = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrNoSuchKey            = "ERR no such key"
	ErrDBIndex              = "ERR DB index is out of range"
	ErrInvalidDBIndex       = "ERR invalid DB index"
	ErrOverflow             = "ERR increment or decrement would overflow"
	ErrNaNInf               = "ERR increment would produce NaN or Infinity"
	ErrExpireTime           = "ERR invalid expire time in '%s' command"
	ErrNumkeysNegative      = "ERR Number of keys can't be negative"
	ErrNoScript             = "NOSCRIPT No matching script. Please use EVAL."
	ErrScriptUnknownCommand = "ERR Unknown Redis command called from script"
	ErrScriptWrongArgs      = "ERR Wrong number of args calling Redis command from script"
	ErrScriptNotAllowed     = "ERR This Redis command is not allowed from script"
	ErrScriptWriteInRO      = "ERR Write commands are not allowed from read-only scripts."
	ErrScriptFlushOption    = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
	ErrNotBusy              = "NOTBUSY No scripts in execution right now."
	ErrBusyScript           = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	ErrBusyFunction         = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	ErrFunctionNotFound     = "ERR Function not found"
	ErrBadNumKeys           = "ERR Bad number of keys provided"
	ErrWriteFlagInRO        = "ERR Can not execute a script with write flag using *_ro command."
	ErrOOM                  = "OOM command not allowed when used memory > 'maxmemory'."
	ErrScriptOOMFlag        = "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"
	ErrFunctionOption       = "ERR Unknown option given: %s"
	ErrFunctionFlushOption  = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
	ErrLibraryNameMissing   = "ERR library name argument was not given"
	ErrUnknownArgument      = "ERR Unknown argument %s"
	ErrLibraryExistsRestore = "ERR Library %s already exists"
	ErrRestorePolicy        = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
	ErrUnkillable           = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	ErrScriptDebugMode      = "ERR Use SCRIPT DEBUG YES/SYNC/NO"
	ErrScriptDebugger       = "ERR SCRIPT DEBUG YES and SYNC need the Lua debugger, which enclavekv does not have"
	ErrSubscribedMode       = "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
	ErrStringTooLong        = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	ErrOffsetRange          = "ERR offset is out of range"
	ErrBitOffset            = "ERR bit offset is not an integer or out of range"
	ErrBitValue             = "ERR bit is not an integer or out of range"
	ErrBitArg               = "ERR The bit argument must be 1 or 0."
	ErrBitopNot             = "ERR BITOP NOT must be called with a single source key."
	ErrBitfieldOverflow     = "ERR Invalid OVERFLOW type specified"
	ErrBitfieldType         = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	ErrBitfieldRO           = "ERR BITFIELD_RO only supports the GET subcommand"
	ErrSameObject           = "ERR source and destination objects are the same"
	ErrMaxClients           = "ERR max number of clients reached"
	ErrReplicaKeyspace      = "ERR Replica can't interact with the keyspace"
	// ErrProtectedMode is sent, without a request, to a client from outside
	// loopback while protected-mode is on and the default user has no
	// password; then the connection is closed. Its wording is Redis's, since
	// clients and operators search for it.
	ErrProtectedMode = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."
	// Persistence.
	ErrGeneric                = "ERR"
	ErrBgsaveInProgress       = "ERR Background save already in progress"
	BgsaveStarted             = "Background saving started"
	BgsaveScheduled           = "Background saving scheduled"
	ErrMisconf                = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
	ErrReloadOptions          = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
	ErrReloadMergeUnsupported = "ERR DEBUG RELOAD MERGE and NOFLUSH are not supported by enclavekv"
	ErrReloadLoad             = "ERR Error trying to load the RDB dump, check server logs."
	ErrBusyKey                = "BUSYKEY Target key name already exists."
	ErrRestoreTTL             = "ERR Invalid TTL value, must be >= 0"
	ErrRestoreIdle            = "ERR Invalid IDLETIME value, must be >= 0"
	ErrRestoreFreq            = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	ErrDumpPayload            = "ERR DUMP payload version or checksum are wrong"
	ErrBadDataFormat          = "ERR Bad data format"
	ErrReplconfOption         = "ERR Unrecognized REPLCONF option: %s"
	// Transactions.
	ErrMultiNested    = "ERR MULTI calls can not be nested"
	ErrExecNoMulti    = "ERR EXEC without MULTI"
	ErrDiscardNoMulti = "ERR DISCARD without MULTI"
	ErrWatchInMulti   = "ERR WATCH inside MULTI is not allowed"
	ErrExecAbort      = "EXECABORT Transaction discarded because of previous errors."
	// ErrExecAbortBecause prefixes the reason an EXEC itself was refused.
	ErrExecAbortBecause = "EXECABORT Transaction discarded because of: "
	ErrNotInMulti       = "ERR Command not allowed inside a transaction"
	ErrMonitorDenyBlock = "ERR MONITOR isn't allowed for DENY BLOCKING client"
	ErrTimeoutNegative  = "ERR timeout is negative"
	ErrTimeoutInvalid   = "ERR timeout is not an integer or out of range"
	ErrNoSuchClient     = "ERR No such client"
	ErrClientName       = "ERR Client names cannot contain spaces, newlines or special characters."
	ErrProtoVersion     = "NOPROTO unsupported protocol version"
	ErrSelectNotAllow   = "ERR SELECT is not allowed in cluster mode"
	ErrNoAuth           = "NOAUTH Authentication required."
	ErrHelloNoAuth      = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
	ErrWrongPass        = "WRONGPASS invalid username-password pair or user is disabled."
	ErrDebugDisabled    = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
	ErrLFUNotSelected   = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	ErrLFUSelected      = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	ErrNXXXGTLT         = "ERR NX and XX, GT or LT options at the same time are not compatible"
	ErrGTLTNX           = "ERR GT, LT, and/or NX options at the same time are not compatible"
	ErrCountPositive    = "ERR COUNT must be > 0"
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

// Server family (server.go, commandcmd.go, debug.go, info.go).
const (
	ErrSubcommandSyntax     = "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."
	ErrSlowlogCount         = "ERR count should be greater than or equal to -1"
	ErrShutdownErrors       = "ERR Errors trying to SHUTDOWN. Check logs."
	ErrNoShutdown           = "ERR No shutdown in progress."
	ErrGetkeysInvalidCmd    = "ERR Invalid command specified"
	ErrGetkeysNoKeys        = "ERR The command has no key arguments"
	ErrGetkeysArgs          = "ERR Invalid number of arguments specified for command"
	ErrGetkeysBadArgs       = "ERR Invalid arguments specified for command"
	ErrLatencyNoSamples     = "ERR No samples available for event '%s'"
	ErrPopulateRange        = "ERR value is out of range, must be positive"
	ErrDebugPushRESP2       = "ERR RESP2 is not supported by this command"
	ErrDebugProtocol        = "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"
	MemoryDoctorEmpty       = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	MemoryDoctorFine        = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	LatencyDoctorDisabled   = "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	LatencyDoctorNothing    = "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"
	LatencyDoctorIntro      = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n"
	LatencyAdviceSlowlog    = "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n"
	LatencyAdviceBigObjects = "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n"
	LatencyAdviceGeneric    = "- Check your Slow Log and the system's load: the spikes come from outside the command path.\n"
)

// Hash family (hash.go).
const (
	ErrHashNotInteger  = "ERR hash value is not an integer"
	ErrHashNotFloat    = "ERR hash value is not a float"
	ErrLongRange       = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	ErrValueOutOfRange = "ERR value is out of range"
	ErrValueNaNInf     = "ERR value is NaN or Infinity"
)

// Set family (set.go).
const (
	ErrMustBePositive  = "ERR value is out of range, must be positive"
	ErrNumkeysPositive = "ERR numkeys should be greater than 0"
	ErrNumkeysTooMany  = "ERR Number of keys can't be greater than number of args"
	ErrLimitNegative   = "ERR LIMIT can't be negative"
)

// List family (list.go).
const (
	ErrIndexRange       = "ERR index out of range"
	ErrRankZero         = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	ErrCountNegative    = "ERR COUNT can't be negative"
	ErrMaxlenNegative   = "ERR MAXLEN can't be negative"
	ErrCountGreaterZero = "ERR count should be greater than 0"
)

// Sorted set family (zset.go).
const (
	ErrZaddXXNX            = "ERR XX and NX options at the same time are not compatible"
	ErrZaddIncrPair        = "ERR INCR option supports a single increment-element pair"
	ErrZaddNaN             = "ERR resulting score is not a number (NaN)"
	ErrMinMaxFloat         = "ERR min or max is not a float"
	ErrMinMaxLex           = "ERR min or max not valid string range item"
	ErrZrangeLimit         = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	ErrZrangeWithscoresLex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	ErrZsetNumkeys         = "ERR at least 1 input key is needed for '%s' command"
	ErrWeightFloat         = "ERR weight value is not a float"
)

// Geo family (geo.go).
const (
	ErrGeoLonLat         = "ERR invalid longitude,latitude pair %s,%s"
	ErrGeoUnit           = "ERR unsupported unit provided. please use M, KM, FT, MI"
	ErrGeoRadiusNumeric  = "ERR need numeric radius"
	ErrGeoWidthNumeric   = "ERR need numeric width"
	ErrGeoHeightNumeric  = "ERR need numeric height"
	ErrGeoRadiusNegative = "ERR radius cannot be negative"
	ErrGeoBoxNegative    = "ERR height or width cannot be negative"
	ErrGeoCount          = "ERR COUNT must be > 0"
	ErrGeoStoreWith      = "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	ErrGeoFrom           = "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
	ErrGeoBy             = "ERR exactly one of BYRADIUS and BYBOX can be specified for %s"
	ErrGeoAnyCount       = "ERR the ANY argument requires COUNT argument"
	ErrGeoMember         = "ERR could not decode requested zset member"
)

// SORT (sort.go).
const ErrSortScore = "ERR One or more scores can't be converted into double"

// Blocking commands (blocking.go).
const (
	ErrTimeoutFloat = "ERR timeout is not a float or out of range"
	ErrTimeoutRange = "ERR timeout is out of range"
	ErrUnblocked    = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
)

// Enclave family (enclave.go): enclavekv's own command, so its own texts.
const (
	ErrNoEnclave    = "ERR this server is not running in an enclave runtime"
	ErrEnclaveNonce = "ERR the nonce must be between 16 and 1024 bytes"
	ErrEvidenceFail = "ERR the enclave platform could not produce evidence: %s"
	ErrEvidenceBusy = "BUSY too many ENCLAVE EVIDENCE requests from unauthenticated clients; retry shortly, or AUTH first"
)

// HyperLogLog family (hll.go).
const (
	ErrNotHLL         = "WRONGTYPE Key is not a valid HyperLogLog string value."
	ErrHLLCorrupt     = "INVALIDOBJ Corrupted HLL object detected"
	ErrHLLNoKey       = "ERR The specified key does not exist"
	ErrHLLNotSparse   = "ERR HLL encoding is not sparse"
	ErrPFDebugUnknown = "ERR Unknown PFDEBUG subcommand '%s'"
)

// Streams.
const (
	ErrStreamID                = "ERR Invalid stream ID specified as stream command argument"
	ErrStreamStartID           = "ERR invalid start ID for the interval"
	ErrStreamEndID             = "ERR invalid end ID for the interval"
	ErrStreamXAddZero          = "ERR The ID specified in XADD must be greater than 0-0"
	ErrStreamXAddSmall         = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	ErrStreamExhausted         = "ERR The stream has exhausted the last possible ID, unable to add more items"
	ErrStreamTooLarge          = "ERR Elements are too large to be stored"
	ErrStreamTrimBoth          = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
	ErrStreamMaxLenNeg         = "ERR The MAXLEN argument must be >= 0."
	ErrStreamLimitNeg          = "ERR The LIMIT argument must be >= 0."
	ErrStreamLimitNoTrim       = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
	ErrStreamXTrimNoTrim       = "ERR syntax error, XTRIM must be called with a trimming strategy"
	ErrStreamLimitNoApprox     = "ERR syntax error, LIMIT cannot be used without the special ~ option"
	ErrStreamEntriesAdded      = "ERR entries_added must be positive"
	ErrXSetIDBelowGivenDeleted = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
	ErrXSetIDBelowTop          = "ERR The ID specified in XSETID is smaller than the target stream top item"
	ErrXSetIDEntriesAdded      = "ERR The entries_added specified in XSETID is smaller than the target stream length"
	ErrStreamUnbalanced        = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
	ErrStreamGroupOption       = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
	ErrStreamNoAckOption       = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
	ErrStreamBlockInScript     = "ERR %s command is not allowed with BLOCK option from scripts"
	ErrStreamMissingGroup      = "ERR Missing GROUP option for XREADGROUP"
	ErrStreamDollarGroup       = "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
	ErrStreamGreaterNoGroup    = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
	ErrNoGroupXReadGroup       = "NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option"
	ErrNoGroupBlocked          = "NOGROUP the consumer group this client was blocked on no longer exists"
	ErrStreamUnblockedDeleted  = "UNBLOCKED the stream key no longer exists"
	ErrNoGroupForKey           = "NOGROUP No such consumer group '%s' for key name '%s'"
	ErrNoGroupKeyOrGroup       = "NOGROUP No such key '%s' or consumer group '%s'"
	ErrBusyGroup               = "BUSYGROUP Consumer Group name already exists"
	ErrStreamEntriesRead       = "ERR value for ENTRIESREAD must be positive or -1"
	ErrXGroupNoKey             = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
	ErrXClaimMinIdle           = "ERR Invalid min-idle-time argument for XCLAIM"
	ErrXClaimIdle              = "ERR Invalid IDLE option argument for XCLAIM"
	ErrXClaimTime              = "ERR Invalid TIME option argument for XCLAIM"
	ErrXClaimRetry             = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
	ErrXClaimOption            = "ERR Unrecognized XCLAIM option '%s'"
	ErrXAutoClaimMinIdle       = "ERR Invalid min-idle-time argument for XAUTOCLAIM"
	ErrXAutoClaimCount         = "ERR COUNT must be > 0"
	ErrXAutoClaimMemory        = "ERR Insufficient memory, failed allocating transient memory, COUNT too high."
)
