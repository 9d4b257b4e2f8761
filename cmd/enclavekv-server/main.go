// Command enclavekv-server runs the enclavekv key-value server. It takes the
// same command line as redis-server: an optional config file followed by
// --option value overrides. This file only wires the pieces together.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"

	"github.com/enclavekv/enclavekv/internal/command"
	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/server"
	"github.com/enclavekv/enclavekv/internal/snapshot"
)

const usage = `Usage: ./enclavekv-server [/path/to/redis.conf] [options] [-]
       ./enclavekv-server - (read config from stdin)
       ./enclavekv-server -v or --version
       ./enclavekv-server -h or --help

Examples:
       ./enclavekv-server (run the server with default conf)
       ./enclavekv-server /etc/redis/6379.conf
       ./enclavekv-server --port 7777
       ./enclavekv-server /etc/myredis.conf --loglevel verbose -
       ./enclavekv-server /etc/myredis.conf --loglevel verbose

enclavekv speaks the Redis protocol and accepts redis-server's options,
as far as the enclave manifest lets the host set them. Its own options:
       --manifest FILE             the enclave manifest (default: built in;
                                   print it with: enclavekv manifest)
       --signature FILE            the build's signature (default: the
                                   executable's path + ".sig", if present)
       --sim-platform-secret PATH  the simulated platform's secret (default:
                                   $ENCLAVEKV_SIM_PLATFORM_SECRET, else
                                   ~/.local/share/enclavekv/sim-platform-secret)
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 1 {
		switch args[0] {
		case "-v", "--version":
			fmt.Fprintf(stdout, "enclavekv server v=%s redis_version=%s sha=00000000:0 malloc=go bits=64 build=%s\n",
				server.Version, server.RedisVersion, runtime.Version())
			return 0
		case "-h", "--help":
			fmt.Fprint(stdout, usage)
			return 0
		}
	}
	fatal := func(err error) int {
		fmt.Fprintf(stderr, "\n*** FATAL ENCLAVE START-UP ERROR ***\n%v\n", err)
		return 1
	}
	ea, err := splitEnclaveArgs(args)
	if err != nil {
		return fatal(err)
	}
	args = ea.configArgs
	enc, err := startEnclave(ea)
	if err != nil {
		return fatal(err)
	}

	log := server.NewLogger(stdout)
	log.SetRole('C')
	hostSet := map[string]bool{}
	cfg, err := config.ParseWith(args, config.ParseOptions{Stdin: stdin, HostMay: func(name string) bool {
		hostSet[name] = true
		return enc.manifest.HostMay(name)
	}})
	if err == nil {
		err = enc.applyLimits(cfg, hostSet, log.Warning)
	}
	if err != nil {
		// As redis-server: a file that cannot be opened is a log line, a
		// bad line is the FATAL CONFIG FILE ERROR block on stderr; neither
		// is preceded by the start-up lines.
		var fe *config.FileError
		var oe *config.OpenError
		switch {
		case errors.As(err, &fe):
			fmt.Fprint(stderr, fe.Error())
		case errors.As(err, &oe):
			log.Warning(oe.Error())
		default:
			fmt.Fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n%v\n", server.RedisVersion, err)
		}
		return 1
	}
	if err := log.SetLevel(cfg.String("loglevel")); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if path := cfg.String("logfile"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "Can't open the log file: %v\n", err)
			return 1
		}
		defer f.Close()
		log.SetOutput(f)
	}
	log.Warning("oO0OoO0OoO0Oo enclavekv is starting oO0OoO0OoO0Oo")
	log.Warning(fmt.Sprintf("enclavekv version=%s, redis_version=%s, bits=64, pid=%d, just started",
		server.Version, server.RedisVersion, os.Getpid()))
	if len(args) == 0 {
		log.Warning("Warning: no config file specified, using the default config. In order to specify a config file use ./enclavekv-server /path/to/redis.conf")
	} else {
		log.Warning("Configuration loaded")
	}
	enc.logLines(log.Warning, log.Notice)
	log.SetRole('M')

	srv := server.New(cfg, log)
	srv.SetEnclave(enc.commandView())
	persist := &persistence{cfg: cfg, m: snapshot.New(snapshot.Options{
		KS: srv.Keyspace(), Lock: srv, Config: cfg, Platform: enc.platform,
		Policy: enc.manifest.SealingPolicy, Log: log, RedisVersion: server.RedisVersion,
		Functions: srv.Functions(),
	})}
	srv.SetPersistence(persist)
	srv.ShutdownHook = func(opts command.ShutdownOpts) error { return persist.shutdown(opts, log.Warning) }
	if err := srv.Listen(); err != nil {
		log.Warning(err.Error())
		return 1
	}
	log.Notice(fmt.Sprintf("Running mode=standalone, port=%d.", cfg.Int("port")))
	pidfile := cfg.String("pidfile")
	if pidfile != "" {
		if err := os.WriteFile(pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			log.Warning("Failed to write PID file: " + err.Error())
			pidfile = ""
		}
	}
	log.Warning("Server initialized")
	srv.Lock()
	persist.m.RemoveTemps()
	_, err = persist.m.Load(persist.limits())
	srv.Unlock()
	if err != nil {
		log.Warning("Fatal error loading the DB: " + err.Error() + ". Exiting.")
		return 1
	}

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for {
			select {
			case sig := <-sigs:
				name := "SIGTERM"
				if sig == syscall.SIGINT {
					name = "SIGINT"
				}
				log.Warning("Received " + name + " scheduling shutdown...")
				srv.StopOnSignal(name) // if the shutdown hook fails, the server goes on
			case <-srv.Done():
				return
			}
		}
	}()
	srv.Serve()
	srv.Close()
	if pidfile != "" {
		log.Notice("Removing the pid file.")
		_ = os.Remove(pidfile)
	}
	log.Warning("enclavekv is now ready to exit, bye bye...")
	return 0
}
