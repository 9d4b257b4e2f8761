// Package rdb reads and writes Redis's RDB format: whole snapshot files
// (SAVE, BGSAVE, replication full sync, imported dump.rdb files) and the
// single-value payloads of DUMP and RESTORE.
//
// It exists so that enclavekv can exchange data with real Redis servers
// and tools, and so that its own snapshots use a format operators already
// know. The package speaks only in neutral values (Value, Stream): it
// knows nothing of the keyspace, so the data structures and the file
// format can change independently.
//
// Reading covers every RDB version from 1 to 11 (Redis 7.2) and every
// value encoding Redis has written: plain and LZF strings, integer
// strings, linked lists, ziplists, quicklists (of ziplists and of
// listpacks, plain nodes included), intsets, zipmaps, listpacks, hash
// tables, skiplists with string or binary scores, and streams with their
// consumer groups. Module values and functions are recognised and refused
// with ErrModule and ErrFunction.
//
// All input is treated as hostile: RESTORE payloads come from clients and
// RDB files from the host. Every compact encoding is validated entry by
// entry before it is used, lengths are checked against Limits, long
// strings are read in bounded chunks so that a huge declared length in a
// short input fails at the end of the data instead of allocating it, and
// every error says where in the data it happened. Bad input returns an
// error; it never panics.
//
// Writing produces RDB version 10, as Redis 7.0 does, with the encodings
// Redis 7.0 would choose for the same value (listpacks for small hashes and
// sorted sets, intsets for small integer sets, quicklists of listpacks for
// lists, stream listpacks version 2), so that files and payloads written
// here load in Redis 7.0 and later. Version 10 has no place for a stream
// consumer's active time (Redis 7.2): it is dropped.
//
// Load reports empty collections (which Redis 7.0 skips with a warning)
// to handlers implementing EmptyKeyHandler, and never to Entry.
package rdb
