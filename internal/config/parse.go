package config

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FileError is a fatal configuration error, reported by Redis as
//
//	*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
//	Reading the configuration file, at line 2
//	>>> 'port "abc"'
//	argument couldn't be parsed into an integer
//
// Error() returns that exact text (leading and trailing newline included);
// the binary writes it to stderr as-is and exits with status 1.
type FileError struct {
	Line     int    // 1-based line number; 0 when the error has no line
	LineText string // the offending line, trimmed
	Msg      string
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString("\n*** FATAL CONFIG FILE ERROR (Redis " + RedisVersion + ") ***\n")
	if e.Line > 0 {
		b.WriteString("Reading the configuration file, at line " + strconv.Itoa(e.Line) + "\n")
		b.WriteString(">>> '" + e.LineText + "'\n")
	}
	b.WriteString(e.Msg + "\n")
	return b.String()
}

// OpenError is a config file (or included file) that cannot be opened.
// Redis logs it as a warning ("# Fatal error, can't open config file
// '/x.conf': No such file or directory") and exits with status 1; Error()
// is the message without the log prefix.
type OpenError struct {
	Path string
	Err  string // strerror text
}

func (e *OpenError) Error() string {
	return "Fatal error, can't open config file '" + e.Path + "': " + e.Err
}

// ParseOptions are optional inputs of ParseWith.
type ParseOptions struct {
	// Stdin is read when the command line asks for it ("-").
	Stdin io.Reader
	// CommandExists reports whether a command name (lowercase) exists, for
	// the checks of rename-command. nil accepts every name.
	CommandExists func(name string) bool
	// CheckUser validates the arguments of a "user" directive (argv[0] is
	// "user"). It returns "" if they are valid, or the index of the bad
	// argument and the reason, reported as Redis does: "Error in user
	// declaration '<argv[i]>': <msg>". nil accepts every declaration.
	CheckUser func(argv []string) (badArg int, msg string)
	// HostMay reports whether the host may set an option (called with its
	// primary name) or use a directive ("rename-command", "user",
	// "loadmodule", or a module config "<module>.<name>"). A line it
	// refuses stops the parse with a FileError naming the option: the
	// enclave manifest, not the host's config file or argv, decides what
	// security depends on. nil allows everything.
	HostMay func(name string) bool
}

// maxIncludeDepth bounds nested includes. Redis has no limit and crashes on
// an include loop; enclavekv reports a FileError instead.
const maxIncludeDepth = 64

// Parse reproduces redis-server's command line: an optional config file as
// first argument (unless it starts with "-"), "-" to read the configuration
// from stdin (first or last argument), then "--name value ..." options that
// are appended to the configuration as lines. Errors are *FileError or
// *OpenError with Redis's texts.
func Parse(args []string, stdin io.Reader) (*Config, error) {
	return ParseWith(args, ParseOptions{Stdin: stdin})
}

// ParseWith is Parse with extra options.
func ParseWith(args []string, opts ParseOptions) (*Config, error) {
	cwd := physicalCwd()
	c := &Config{}
	p := &parser{c: c, opts: opts, vals: defaultValues(cwd), renamed: map[string]bool{}, added: map[string]bool{}}

	j := 0
	if len(args) > 0 && (args[0] == "" || args[0][0] != '-') {
		c.file = absolutePath(args[0], cwd)
		j = 1
	}
	fromStdin := false
	var options strings.Builder
	handledLast := true
	for ; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "-" && (j == 0 || j == len(args)-1):
			fromStdin = true
		case handledLast && strings.HasPrefix(a, "--"):
			if options.Len() > 0 {
				options.WriteString("\n")
			}
			options.WriteString(a[2:])
			options.WriteString(" ")
			words, _ := splitArgs(a)
			if len(words) == 1 {
				handledLast = false
				last := j == len(args)-1
				nextIsOpt := !last && strings.HasPrefix(args[j+1], "--")
				switch {
				case nextIsOpt && strings.EqualFold(a, "--save"):
					options.WriteString(`""`)
					handledLast = true
				case last && strings.EqualFold(a, "--save"):
					options.WriteString(`""`)
				case nextIsOpt && strings.EqualFold(a, "--sentinel"):
					handledLast = true
				}
			} else {
				handledLast = true
			}
		default:
			options.WriteString(repr(a))
			options.WriteString(" ")
			handledLast = true
		}
	}

	var content strings.Builder
	if c.file != "" {
		data, oerr := readConfigFile(c.file)
		if oerr != nil {
			return nil, oerr
		}
		content.WriteString(data)
	}
	if fromStdin && opts.Stdin != nil {
		data, _ := io.ReadAll(opts.Stdin)
		content.WriteString(fgetsContent(data))
	}
	content.WriteString("\n")
	content.WriteString(options.String())

	if err := p.loadString(content.String(), 0); err != nil {
		return nil, err
	}

	vals := p.vals
	if lf := vals[optLogfile.idx].s; lf != "" {
		path := lf
		if !filepath.IsAbs(path) {
			path = filepath.Join(vals[optDir.idx].s, path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			return nil, &FileError{Msg: "Can't open the log file: " + strerror(err)}
		}
		f.Close()
	}
	if vals[optCluster.idx].n != 0 && !vals[optReplicaOf.idx].null {
		return nil, &FileError{Msg: "replicaof directive not allowed in cluster mode"}
	}
	c.vals.Store(&vals)
	return c, nil
}

// absolutePath is Redis's getAbsolutePath().
func absolutePath(filename, cwd string) string {
	rel := trimSet(filename, " \r\n\t")
	if strings.HasPrefix(rel, "/") {
		return rel
	}
	abs := cwd
	if abs != "" && !strings.HasSuffix(abs, "/") {
		abs += "/"
	}
	for len(rel) >= 3 && rel[:3] == "../" {
		rel = rel[3:]
		if len(abs) > 1 {
			i := strings.LastIndexByte(abs[:len(abs)-1], '/')
			abs = abs[:i+1]
		}
	}
	return abs + rel
}

// readConfigFile reads a file the way loadServerConfig() does. A
// directory reads as empty (fopen succeeds, fgets fails).
func readConfigFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", &OpenError{Path: path, Err: strerror(err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return "", nil
	}
	data, _ := io.ReadAll(f)
	return fgetsContent(data), nil
}

// fgetsContent emulates reading with fgets(buf, 1025) and sdscat(): every
// chunk (at most 1024 bytes, up to and including a newline) is cut at its
// first NUL byte.
func fgetsContent(data []byte) string {
	var b strings.Builder
	b.Grow(len(data))
	for len(data) > 0 {
		n := min(len(data), 1024)
		if i := bytes.IndexByte(data[:n], '\n'); i >= 0 {
			n = i + 1
		}
		chunk := data[:n]
		data = data[n:]
		if i := bytes.IndexByte(chunk, 0); i >= 0 {
			chunk = chunk[:i]
		}
		b.Write(chunk)
	}
	return b.String()
}

type parser struct {
	c          *Config
	opts       ParseOptions
	vals       []value
	reading    bool
	saveLoaded bool
	renamed    map[string]bool // commands removed by rename-command
	added      map[string]bool // commands added by rename-command
}

func (p *parser) commandExists(name string) bool {
	if p.added[name] {
		return true
	}
	if p.renamed[name] {
		return false
	}
	return p.opts.CommandExists == nil || p.opts.CommandExists(name)
}

// loadString is loadServerConfigFromString().
func (p *parser) loadString(config string, depth int) error {
	p.reading = true
	if i := strings.IndexByte(config, 0); i >= 0 {
		config = config[:i]
	}
	var lines []string
	if config != "" {
		lines = strings.Split(config, "\n")
	}
	ctx := &setCtx{vals: p.vals, saveLoaded: &p.saveLoaded, file: p.c.file}
	for i, raw := range lines {
		linenum := i + 1
		line := trimSet(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(msg string) error { return &FileError{Line: linenum, LineText: line, Msg: msg} }
		argv, ok := splitArgs(line)
		if !ok {
			return fail("Unbalanced quotes in configuration line")
		}
		if len(argv) == 0 {
			continue
		}
		name := asciiLower(argv[0])
		if msg := p.protected(name); msg != "" {
			return fail(msg)
		}
		if k := lookup(name); k != nil {
			if k.opt.flags&fMultiArg == 0 && len(argv) != 2 {
				return fail("wrong number of arguments")
			}
			args := argv[1:]
			if k.opt.flags&fMultiArg != 0 && len(args) == 1 && args[0] != "" {
				// One non-empty argument of a multi-argument option is
				// split again, as Redis 7.0 does: --save "900 1" and
				// bind "127.0.0.1 -::1" mean what they say.
				args, _ = splitArgs(args[0])
			}
			ctx.reading = p.reading
			if _, msg := ctx.set(k.opt, args); msg != "" {
				return fail(msg)
			}
			continue
		}
		if n, ok := deprecatedDirectives[name]; ok && len(argv) == n {
			continue
		}
		switch {
		case name == "include" && len(argv) == 2:
			if depth >= maxIncludeDepth {
				return fail("Too many nested include directives")
			}
			if err := p.include(argv[1], depth+1); err != nil {
				return err
			}
		case name == "rename-command" && len(argv) == 3:
			from, to := asciiLower(argv[1]), asciiLower(argv[2])
			if !p.commandExists(from) {
				return fail("No such command in rename-command")
			}
			p.renamed[from] = true
			delete(p.added, from)
			if to != "" {
				if p.commandExists(to) {
					return fail("Target command name already exists")
				}
				p.added[to] = true
			}
			p.c.RenameCommands = append(p.c.RenameCommands, [2]string{argv[1], argv[2]})
		case name == "user" && len(argv) >= 2:
			if p.opts.CheckUser != nil {
				if bad, msg := p.opts.CheckUser(argv); msg != "" {
					if bad < 0 || bad >= len(argv) {
						bad = 0
					}
					m := "Error in user declaration '" + argv[bad] + "': " + msg
					if len(m) > 1023 {
						m = m[:1023]
					}
					return fail(m)
				}
			}
			p.c.Users = append(p.c.Users, append([]string{}, argv[1:]...))
		case name == "loadmodule" && len(argv) >= 2:
			p.c.LoadModules = append(p.c.LoadModules, append([]string{}, argv[1:]...))
		case strings.Contains(name, "."):
			if len(argv) != 2 {
				return fail("Module config specified without value")
			}
			replaced := false
			for i := range p.c.ModuleConfigs {
				if p.c.ModuleConfigs[i][0] == name {
					p.c.ModuleConfigs[i][1] = argv[1]
					replaced = true
				}
			}
			if !replaced {
				p.c.ModuleConfigs = append(p.c.ModuleConfigs, [2]string{name, argv[1]})
			}
		case name == "sentinel":
			// "sentinel" alone is handled by redis-server's main(); with
			// arguments it needs sentinel mode, which enclavekv lacks.
			if len(argv) != 1 {
				return fail("sentinel directive while not in sentinel mode")
			}
		default:
			return fail("Bad directive or wrong number of arguments")
		}
	}
	// Redis clamps hz after loading a file.
	if hz := &p.vals[optHz.idx]; hz.n < 1 {
		hz.n = 1
	} else if hz.n > 500 {
		hz.n = 500
	}
	p.reading = false
	return nil
}

// protected returns the error for a line the manifest does not let the
// host write, or "".
func (p *parser) protected(name string) string {
	if p.opts.HostMay == nil {
		return ""
	}
	check := name
	if k := lookup(name); k != nil {
		check = k.opt.name
	} else if name != "rename-command" && name != "user" && name != "loadmodule" && !strings.Contains(name, ".") {
		return "" // include, deprecated and unknown lines keep their usual handling
	}
	if p.opts.HostMay(check) {
		return ""
	}
	if check == name && strings.Contains(name, ".") {
		return "'" + name + "' looks like a module config: enclavekv loads no modules, and the enclave manifest cannot allow one"
	}
	return "'" + check + "' is protected by the enclave manifest: the host may not set it in a config file or on the command line (it is not in the manifest's host_options)"
}

// include loads an included file (or every file matching a glob pattern)
// at this point of the configuration, like Redis's "include" directive.
// Relative paths are relative to the current dir, as Redis resolves them
// against its working directory.
func (p *parser) include(path string, depth int) error {
	dir := p.vals[optDir.idx].s
	resolve := func(s string) string {
		if filepath.IsAbs(s) {
			return s
		}
		return filepath.Join(dir, s)
	}
	var content strings.Builder
	if strings.ContainsAny(path, "*?[") {
		matches, _ := filepath.Glob(resolve(path))
		for _, m := range matches {
			shown := m
			if !filepath.IsAbs(path) {
				if r, err := filepath.Rel(dir, m); err == nil {
					shown = r
				}
			}
			f, err := os.Open(m)
			if err != nil {
				return &OpenError{Path: shown, Err: strerror(err)}
			}
			st, _ := f.Stat()
			if st == nil || !st.IsDir() {
				data, _ := io.ReadAll(f)
				content.WriteString(fgetsContent(data))
			}
			f.Close()
		}
	} else {
		f, err := os.Open(resolve(path))
		if err != nil {
			return &OpenError{Path: path, Err: strerror(err)}
		}
		st, _ := f.Stat()
		if st == nil || !st.IsDir() {
			data, _ := io.ReadAll(f)
			content.WriteString(fgetsContent(data))
		}
		f.Close()
	}
	return p.loadString(content.String(), depth)
}
