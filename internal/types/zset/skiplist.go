package zset

import "math/rand/v2"

// The skiplist orders elements by (score, member) and keeps, on every
// forward link, the number of elements it skips, so that rank queries and
// access by rank are O(log n) (the structure Redis uses for large sorted
// sets).

const maxLevel = 32

type slNode struct {
	member   string
	score    float64
	backward *slNode
	level    []slLevel
}

type slLevel struct {
	forward *slNode
	span    int
}

type skiplist struct {
	head   *slNode
	tail   *slNode
	length int
	level  int
}

func newSkiplist() *skiplist {
	return &skiplist{head: &slNode{level: make([]slLevel, maxLevel)}, level: 1}
}

// less reports whether (s1, m1) sorts before (s2, m2).
func less(s1 float64, m1 string, s2 float64, m2 string) bool {
	return s1 < s2 || (s1 == s2 && m1 < m2)
}

func randomLevel() int {
	l := 1
	for l < maxLevel && rand.Uint32()&0xffff < 0xffff/4 {
		l++
	}
	return l
}

func (sl *skiplist) insert(score float64, member string) {
	var update [maxLevel]*slNode
	var rank [maxLevel]int
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		if i < sl.level-1 {
			rank[i] = rank[i+1]
		}
		for f := x.level[i].forward; f != nil && less(f.score, f.member, score, member); f = x.level[i].forward {
			rank[i] += x.level[i].span
			x = f
		}
		update[i] = x
	}
	lvl := randomLevel()
	if lvl > sl.level {
		for i := sl.level; i < lvl; i++ {
			rank[i] = 0
			update[i] = sl.head
			update[i].level[i].span = sl.length
		}
		sl.level = lvl
	}
	n := &slNode{member: member, score: score, level: make([]slLevel, lvl)}
	for i := 0; i < lvl; i++ {
		n.level[i].forward = update[i].level[i].forward
		update[i].level[i].forward = n
		n.level[i].span = update[i].level[i].span - (rank[0] - rank[i])
		update[i].level[i].span = rank[0] - rank[i] + 1
	}
	for i := lvl; i < sl.level; i++ {
		update[i].level[i].span++
	}
	if update[0] != sl.head {
		n.backward = update[0]
	}
	if n.level[0].forward != nil {
		n.level[0].forward.backward = n
	} else {
		sl.tail = n
	}
	sl.length++
}

func (sl *skiplist) unlink(x *slNode, update *[maxLevel]*slNode) {
	for i := 0; i < sl.level; i++ {
		if update[i].level[i].forward == x {
			update[i].level[i].span += x.level[i].span - 1
			update[i].level[i].forward = x.level[i].forward
		} else {
			update[i].level[i].span--
		}
	}
	if x.level[0].forward != nil {
		x.level[0].forward.backward = x.backward
	} else {
		sl.tail = x.backward
	}
	for sl.level > 1 && sl.head.level[sl.level-1].forward == nil {
		sl.level--
	}
	sl.length--
}

// delete removes (score, member) and reports whether it was there.
func (sl *skiplist) delete(score float64, member string) bool {
	var update [maxLevel]*slNode
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		for f := x.level[i].forward; f != nil && less(f.score, f.member, score, member); f = x.level[i].forward {
			x = f
		}
		update[i] = x
	}
	x = x.level[0].forward
	if x != nil && x.score == score && x.member == member {
		sl.unlink(x, &update)
		return true
	}
	return false
}

// countBefore is the number of elements for which before is true; before
// must be true for a prefix of the list and false after it.
func (sl *skiplist) countBefore(before func(score float64, member string) bool) int {
	x, n := sl.head, 0
	for i := sl.level - 1; i >= 0; i-- {
		for f := x.level[i].forward; f != nil && before(f.score, f.member); f = x.level[i].forward {
			n += x.level[i].span
			x = f
		}
	}
	return n
}

// at returns the element of 0-based rank r (0 <= r < length).
func (sl *skiplist) at(r int) *slNode {
	x, traversed := sl.head, 0
	for i := sl.level - 1; i >= 0; i-- {
		for x.level[i].forward != nil && traversed+x.level[i].span <= r+1 {
			traversed += x.level[i].span
			x = x.level[i].forward
		}
		if traversed == r+1 {
			return x
		}
	}
	return nil
}
