package rdb

import (
	"encoding/binary"
	"hash/crc64"
)

// Redis's CRC-64 is the "Jones" polynomial 0xad93d23594c935a9, reflected,
// with initial value 0 and no final xor. hash/crc64 builds the table for a
// reflected CRC-64 from the bit-reversed polynomial; its Update complements
// the state on entry and exit (init ~0, xorout ~0), which complementing
// around it cancels.
const jonesPolyReversed = 0x95ac9329ac4bc9b5

var crcTable = crc64.MakeTable(jonesPolyReversed)

// crcSlicing8 extends crcTable for slicing-by-8: hash/crc64 only keeps
// such tables for its two built-in polynomials, and for others rebuilds
// one on every call of 2 KiB or more (and runs byte by byte below that),
// which made the CRC the largest cost of loading a file. Table k advances
// a byte's contribution by k more bytes.
var crcSlicing8 = func() *[8][256]uint64 {
	var t [8][256]uint64
	t[0] = *crcTable
	for i := range 256 {
		crc := t[0][i]
		for k := 1; k < 8; k++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[k][i] = crc
		}
	}
	return &t
}()

// crc64Update continues Redis's CRC-64 crc over p (start with crc 0).
func crc64Update(crc uint64, p []byte) uint64 {
	t := crcSlicing8
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^ t[6][crc>>8&0xff] ^ t[5][crc>>16&0xff] ^ t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^ t[2][crc>>40&0xff] ^ t[1][crc>>48&0xff] ^ t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = crc64Byte(crc, b)
	}
	return crc
}

// crc64Byte continues crc over one byte.
func crc64Byte(crc uint64, b byte) uint64 {
	return crcTable[byte(crc)^b] ^ crc>>8
}

// CRC64 returns Redis's CRC-64 of p, as used in RDB trailers and DUMP
// payloads.
func CRC64(p []byte) uint64 { return crc64Update(0, p) }
