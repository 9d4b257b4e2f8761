package integration

// FUNCTION DUMP and RESTORE across servers: a payload from redis-server
// restores here and one from here restores in redis-server, under each
// restore policy, with the same replies.

import "testing"

func TestDiffFunctionDumpRestore(t *testing.T) {
	diffFlushAll(t)
	p := newConnPair(t)
	diffDo(t, p, "FUNCTION", "FLUSH")
	t.Cleanup(func() { diffDo(t, p, "FUNCTION", "FLUSH") })
	diffDo(t, p, "FUNCTION", "LOAD", "#!lua name=la\nredis.register_function('fa', function() return 'a' end)")
	diffDo(t, p, "FUNCTION", "LOAD", "#!lua name=lb\nredis.register_function{function_name='fb', callback=function(k) return k[1] end, flags={'no-writes'}}")
	ref, sut := diffDoMode(t, p, "~info", "FUNCTION", "DUMP")
	refDump, sutDump := string(ref.replies[0].data), string(sut.replies[0].data)
	for _, dump := range []struct{ name, payload string }{{"redis's payload", refDump}, {"ours", sutDump}} {
		t.Run(dump.name, func(t *testing.T) {
			// APPEND with both libraries present: which one Redis names
			// depends on its hash table, so only the error code compares.
			diffDoMode(t, p, "~err", "FUNCTION", "RESTORE", dump.payload)
			diffDoMode(t, p, "~err", "FUNCTION", "RESTORE", dump.payload, "APPEND")
			diffDo(t, p, "FUNCTION", "RESTORE", dump.payload, "REPLACE") // fine
			diffDo(t, p, "FUNCTION", "DELETE", "la")
			diffDo(t, p, "FUNCTION", "LOAD", "#!lua name=lc\nredis.register_function('fc', function() return 'c' end)")
			diffDo(t, p, "FUNCTION", "RESTORE", dump.payload, "FLUSH")
			diffDo(t, p, "FCALL", "fc", "0") // gone with the flush
			diffDo(t, p, "FCALL", "fa", "0")
			diffDo(t, p, "FCALL_RO", "fb", "1", "key")
			diffDo(t, p, "FUNCTION", "LIST", "LIBRARYNAME", "la")
			diffDo(t, p, "FUNCTION", "STATS")
			// A collision in the middle of a payload leaves nothing half done.
			diffDo(t, p, "FUNCTION", "DELETE", "la")
			diffDo(t, p, "FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('fa', function() return 'other' end)")
			diffDo(t, p, "FUNCTION", "RESTORE", dump.payload, "REPLACE")
			diffDo(t, p, "FUNCTION", "STATS")
			diffDo(t, p, "FCALL", "fa", "0")
			diffDo(t, p, "FUNCTION", "DELETE", "other")
			diffDo(t, p, "FUNCTION", "RESTORE", dump.payload, "REPLACE")
		})
	}
}
