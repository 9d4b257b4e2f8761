package command

// ServerInfo is what the server (not the command layer) knows and INFO
// prints: process, network and connection figures.
type ServerInfo struct {
	Version                 string // enclavekv's own version
	RedisVersion            string // the Redis version we are compatible with
	Mode                    string // enclave mode, e.g. "simulation"
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
}
