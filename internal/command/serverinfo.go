package command

// ServerInfo is what the server (not the command layer) knows and INFO
// prints: process, network and connection figures.
type ServerInfo struct {
	Version                 string // enclavekv's own version
	RedisVersion            string // the Redis version we are compatible with
	Pid                     int
	RunID                   string
	TCPPort                 int
	StartMs                 int64 // Unix ms when the server started
	Executable              string
	ConfigFile              string
	Hz                      int
	ConnectedClients        int
	MaxClients              int
	BlockedClients          int
	TotalConnections        int64
	RejectedConnections     int64
	NetInputBytes           int64
	NetOutputBytes          int64
	ClientRecentMaxInput    int64
	ClientRecentMaxOutput   int64
	PausedUntilMs           int64
	PauseWriteOnly          bool
	ExpireCycleCPUMillis    int64
	InstantaneousOps        int64
	InstantaneousInputKbps  float64
	InstantaneousOutputKbps float64
	TotalReads              int64 // total_reads_processed
	TotalWrites             int64 // total_writes_processed
	PubsubChannels          int
	PubsubPatterns          int
	PubsubShardChannels     int
	TrackingClients         int
	// Persistence is filled by the persistence layer; nil means nothing
	// was ever saved or loaded (INFO persistence shows the idle figures).
	Persistence *PersistenceInfo
}

// PersistenceInfo holds the figures of INFO persistence that depend on
// snapshots and the append-only file.
type PersistenceInfo struct {
	Loading              bool
	LastSaveUnix         int64 // rdb_last_save_time; 0: the server's start
	BgsaveInProgress     bool
	LastBgsaveOK         bool
	LastBgsaveTimeSec    int64 // -1 when none
	CurrentBgsaveTimeSec int64 // -1 when none running
	Saves                int64
	LoadKeysLoaded       int64
	LoadKeysExpired      int64
	KeysProcessed        int64 // current_save_keys_processed
	KeysTotal            int64 // current_save_keys_total
	AOFEnabled           bool
	AOFRewriteInProgress bool
	AOFRewriteScheduled  bool
	AOFLastRewriteSec    int64 // -1 when none
	AOFCurrentRewriteSec int64 // -1 when none running
	AOFLastRewriteOK     bool
	AOFRewrites          int64
	AOFLastWriteOK       bool
}
