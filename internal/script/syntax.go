package script

import (
	"fmt"
	"strings"
)

// checkSyntax parses src as Lua 5.1 and returns the compile error Lua 5.1
// would report for the chunk named chunk ("user_script:3: 'end' expected
// near '<eof>'"), or "" when
// the source is valid. gopher-lua's own parser reports errors in other
// words, and Redis users see Lua's, so the grammar is walked again here
// with Lua 5.1's checks, in Lua 5.1's order. Nothing is compiled.
func checkSyntax(src []byte, chunk string) (msg string) {
	p := &parser{lx: lexer{src: string(src), line: 1, chunk: chunk}}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(syntaxErr)
			if !ok {
				panic(r)
			}
			msg = string(se)
		}
	}()
	p.next()
	p.funcs = append(p.funcs, funcState{vararg: true})
	p.chunk()
	p.check(tkEOS)
	return ""
}

type syntaxErr string

// Token kinds: single characters stand for themselves; the rest follow.
const (
	tkAnd = 257 + iota
	tkBreak
	tkDo
	tkElse
	tkElseif
	tkEnd
	tkFalse
	tkFor
	tkFunction
	tkIf
	tkIn
	tkLocal
	tkNil
	tkNot
	tkOr
	tkRepeat
	tkReturn
	tkThen
	tkTrue
	tkUntil
	tkWhile
	tkConcat
	tkDots
	tkEq
	tkGE
	tkLE
	tkNE
	tkNumber
	tkName
	tkString
	tkEOS
)

var tokenNames = []string{
	"and", "break", "do", "else", "elseif", "end", "false", "for", "function",
	"if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
	"true", "until", "while", "..", "...", "==", ">=", "<=", "~=",
	"<number>", "<name>", "<string>", "<eof>",
}

var keywords = func() map[string]int {
	m := make(map[string]int)
	for i := tkAnd; i <= tkWhile; i++ {
		m[tokenNames[i-tkAnd]] = i
	}
	return m
}()

func tokenString(t int) string {
	if t < 257 {
		if t < 32 || t == 127 {
			return fmt.Sprintf("char(%d)", t)
		}
		return string(rune(t))
	}
	return tokenNames[t-tkAnd]
}

type lexer struct {
	chunk string // names the source in messages
	src   string
	pos   int
	line  int
	text  string // raw text of the last name, number or string read
}

func (lx *lexer) cur() int {
	if lx.pos >= len(lx.src) {
		return -1
	}
	return int(lx.src[lx.pos])
}

func (lx *lexer) errorf(msg string, tok int) {
	s := fmt.Sprintf("%s:%d: %s", lx.chunk, lx.line, msg)
	if tok != 0 {
		near := lx.text
		if tok != tkName && tok != tkString && tok != tkNumber {
			near = tokenString(tok)
		}
		s += " near '" + near + "'"
	}
	panic(syntaxErr(s))
}

func isNewline(c int) bool { return c == '\n' || c == '\r' }

// newline consumes "\n", "\r", "\n\r" or "\r\n" as one line break.
func (lx *lexer) newline() {
	old := lx.cur()
	lx.pos++
	if c := lx.cur(); isNewline(c) && c != old {
		lx.pos++
	}
	lx.line++
}

func isAlpha(c int) bool { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c int) bool { return c >= '0' && c <= '9' }

// longBracket counts the '=' of "[==[" or "]==]" starting at pos; it
// returns -1 when the bracket does not close with the same character.
func (lx *lexer) longBracket() int {
	s := lx.cur()
	lx.pos++
	count := 0
	for lx.cur() == '=' {
		lx.pos++
		count++
	}
	if lx.cur() == s {
		return count
	}
	return -1 - count
}

func (lx *lexer) longString(sep int, isComment bool) {
	start := lx.pos - sep - 2
	lx.pos++ // second bracket
	if isNewline(lx.cur()) {
		lx.newline()
	}
	for {
		switch c := lx.cur(); {
		case c < 0:
			lx.text = lx.src[start:lx.pos]
			what := "unfinished long string"
			if isComment {
				what = "unfinished long comment"
			}
			lx.errorf(what, tkEOS)
		case c == '[':
			if lx.longBracket() == sep {
				lx.pos++
				if sep == 0 {
					lx.text = lx.src[start:lx.pos]
					lx.errorf("nesting of [[...]] is deprecated", '[')
				}
			}
		case c == ']':
			if lx.longBracket() == sep {
				lx.pos++
				lx.text = lx.src[start:lx.pos]
				return
			}
		case isNewline(c):
			lx.newline()
		default:
			lx.pos++
		}
	}
}

func (lx *lexer) shortString(del int) {
	var b strings.Builder
	b.WriteByte(byte(del))
	lx.pos++
	for lx.cur() != del {
		c := lx.cur()
		switch {
		case c < 0:
			lx.text = b.String()
			lx.errorf("unfinished string", tkEOS)
		case isNewline(c):
			lx.text = b.String()
			lx.errorf("unfinished string", tkString)
		case c == '\\':
			lx.pos++
			e := lx.cur()
			switch e {
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'v':
				b.WriteByte('\v')
			case '\n', '\r':
				b.WriteByte('\n')
				lx.newline()
				continue
			case -1:
				continue // reported as unfinished string
			default:
				if !isDigit(e) {
					b.WriteByte(byte(e))
					break
				}
				n := 0
				for i := 0; i < 3 && isDigit(lx.cur()); i++ {
					n = n*10 + lx.cur() - '0'
					lx.pos++
				}
				if n > 255 {
					lx.text = b.String()
					lx.errorf("escape sequence too large", tkString)
				}
				b.WriteByte(byte(n))
				continue
			}
			lx.pos++
		default:
			b.WriteByte(byte(c))
			lx.pos++
		}
	}
	lx.pos++
	b.WriteByte(byte(del))
	lx.text = b.String()
}

func (lx *lexer) numeral() {
	start := lx.pos
	for isDigit(lx.cur()) || lx.cur() == '.' {
		lx.pos++
	}
	if c := lx.cur(); c == 'e' || c == 'E' {
		lx.pos++
		if c := lx.cur(); c == '+' || c == '-' {
			lx.pos++
		}
	}
	for isAlpha(lx.cur()) || isDigit(lx.cur()) {
		lx.pos++
	}
	lx.text = lx.src[start:lx.pos]
	if _, ok := strToNumber(lx.text); !ok || strings.ContainsAny(lx.text, " \t\n") {
		lx.errorf("malformed number", tkNumber)
	}
}

func (lx *lexer) next() int {
	for {
		c := lx.cur()
		switch {
		case c < 0:
			return tkEOS
		case isNewline(c):
			lx.newline()
		case c == '-':
			lx.pos++
			if lx.cur() != '-' {
				return '-'
			}
			lx.pos++
			if lx.cur() == '[' {
				save := lx.pos
				if sep := lx.longBracket(); sep >= 0 {
					lx.longString(sep, true)
					continue
				}
				lx.pos = save
			}
			for lx.cur() >= 0 && !isNewline(lx.cur()) {
				lx.pos++
			}
		case c == '[':
			save := lx.pos
			sep := lx.longBracket()
			if sep >= 0 {
				lx.longString(sep, false)
				return tkString
			}
			if sep == -1 {
				lx.pos = save + 1
				return '['
			}
			lx.text = lx.src[save:lx.pos]
			lx.errorf("invalid long string delimiter", tkString)
		case c == '=' || c == '<' || c == '>' || c == '~':
			lx.pos++
			if lx.cur() != '=' {
				return c
			}
			lx.pos++
			return map[int]int{'=': tkEq, '<': tkLE, '>': tkGE, '~': tkNE}[c]
		case c == '"' || c == '\'':
			lx.shortString(c)
			return tkString
		case c == '.':
			lx.pos++
			if lx.cur() == '.' {
				lx.pos++
				if lx.cur() == '.' {
					lx.pos++
					return tkDots
				}
				return tkConcat
			}
			if !isDigit(lx.cur()) {
				return '.'
			}
			lx.pos--
			lx.numeral()
			return tkNumber
		case c == ' ' || c == '\t' || c == '\v' || c == '\f':
			lx.pos++
		case isDigit(c):
			lx.numeral()
			return tkNumber
		case isAlpha(c):
			start := lx.pos
			for isAlpha(lx.cur()) || isDigit(lx.cur()) {
				lx.pos++
			}
			lx.text = lx.src[start:lx.pos]
			if k, ok := keywords[lx.text]; ok {
				return k
			}
			return tkName
		default:
			lx.pos++
			return c
		}
	}
}

// Expression kinds the checks care about.
const (
	expOther = iota
	expLvalue
	expCall
)

type funcState struct {
	vararg bool
	loops  int // enclosing loops, for break
}

type parser struct {
	lx       lexer
	tok      int
	ahead    int // lookahead token, 0 if none
	aheadTxt string
	aheadLn  int
	lastLine int
	funcs    []funcState
	level    int
}

// maxSyntaxLevels is LUAI_MAXCCALLS, Lua 5.1's nesting limit while parsing.
const maxSyntaxLevels = 200

func (p *parser) next() {
	p.lastLine = p.lx.line
	if p.ahead != 0 {
		p.tok, p.lx.text, p.ahead = p.ahead, p.aheadTxt, 0
		return
	}
	p.tok = p.lx.next()
}

func (p *parser) lookahead() int {
	if p.ahead == 0 {
		txt := p.lx.text
		p.ahead = p.lx.next()
		p.aheadTxt = p.lx.text
		p.lx.text = txt
	}
	return p.ahead
}

func (p *parser) errorf(msg string) { p.lx.errorf(msg, p.tok) }

func (p *parser) expected(tok int) { p.errorf("'" + tokenString(tok) + "' expected") }

func (p *parser) testNext(tok int) bool {
	if p.tok == tok {
		p.next()
		return true
	}
	return false
}

func (p *parser) check(tok int) {
	if p.tok != tok {
		p.expected(tok)
	}
}

func (p *parser) checkNext(tok int) {
	p.check(tok)
	p.next()
}

func (p *parser) checkMatch(what, who, where int) {
	if p.testNext(what) {
		return
	}
	if where == p.lx.line {
		p.expected(what)
	}
	p.errorf(fmt.Sprintf("'%s' expected (to close '%s' at line %d)", tokenString(what), tokenString(who), where))
}

func (p *parser) checkName() {
	p.check(tkName)
	p.next()
}

func (p *parser) enter() {
	p.level++
	if p.level > maxSyntaxLevels {
		p.lx.errorf("chunk has too many syntax levels", 0)
	}
}

func (p *parser) leave() { p.level-- }

func blockFollow(tok int) bool {
	switch tok {
	case tkElse, tkElseif, tkEnd, tkUntil, tkEOS:
		return true
	}
	return false
}

func (p *parser) chunk() {
	p.enter()
	last := false
	for !last && !blockFollow(p.tok) {
		last = p.statement()
		p.testNext(';')
	}
	p.leave()
}

func (p *parser) block() { p.chunk() }

func (p *parser) fs() *funcState { return &p.funcs[len(p.funcs)-1] }

func (p *parser) loopBlock() {
	p.fs().loops++
	p.block()
	p.fs().loops--
}

func (p *parser) statement() bool {
	line := p.lx.line
	switch p.tok {
	case tkIf:
		p.testThenBlock()
		for p.tok == tkElseif {
			p.testThenBlock()
		}
		if p.testNext(tkElse) {
			p.block()
		}
		p.checkMatch(tkEnd, tkIf, line)
	case tkWhile:
		p.next()
		p.expr()
		p.checkNext(tkDo)
		p.loopBlock()
		p.checkMatch(tkEnd, tkWhile, line)
	case tkDo:
		p.next()
		p.block()
		p.checkMatch(tkEnd, tkDo, line)
	case tkFor:
		p.next()
		p.checkName()
		switch p.tok {
		case '=':
			p.next()
			p.expr()
			p.checkNext(',')
			p.expr()
			if p.testNext(',') {
				p.expr()
			}
		case ',', tkIn:
			for p.testNext(',') {
				p.checkName()
			}
			p.checkNext(tkIn)
			p.exprList()
		default:
			p.errorf("'=' or 'in' expected")
		}
		p.checkNext(tkDo)
		p.loopBlock()
		p.checkMatch(tkEnd, tkFor, line)
	case tkRepeat:
		p.next()
		p.fs().loops++
		p.chunk()
		p.fs().loops--
		p.checkMatch(tkUntil, tkRepeat, line)
		p.expr()
	case tkFunction:
		p.next()
		p.checkName()
		for p.tok == '.' {
			p.next()
			p.checkName()
		}
		if p.tok == ':' {
			p.next()
			p.checkName()
		}
		p.body(line)
	case tkLocal:
		p.next()
		if p.testNext(tkFunction) {
			p.checkName()
			p.body(p.lx.line)
			break
		}
		for {
			p.checkName()
			if !p.testNext(',') {
				break
			}
		}
		if p.testNext('=') {
			p.exprList()
		}
	case tkReturn:
		p.next()
		if !blockFollow(p.tok) && p.tok != ';' {
			p.exprList()
		}
		return true
	case tkBreak:
		p.next()
		if p.fs().loops == 0 {
			p.errorf("no loop to break")
		}
		return true
	default:
		k := p.primaryExp()
		if k != expCall {
			p.assignment(k)
		}
	}
	return false
}

func (p *parser) testThenBlock() {
	p.next()
	p.expr()
	p.checkNext(tkThen)
	p.block()
}

func (p *parser) assignment(k int) {
	if k != expLvalue {
		p.errorf("syntax error")
	}
	if p.testNext(',') {
		p.assignment(p.primaryExp())
		return
	}
	p.checkNext('=')
	p.exprList()
}

func (p *parser) body(line int) {
	p.funcs = append(p.funcs, funcState{})
	p.checkNext('(')
	if p.tok != ')' {
		for {
			switch p.tok {
			case tkName:
				p.next()
			case tkDots:
				p.next()
				p.fs().vararg = true
			default:
				p.errorf("<name> or '...' expected")
			}
			if p.fs().vararg || !p.testNext(',') {
				break
			}
		}
	}
	p.checkNext(')')
	p.chunk()
	p.checkMatch(tkEnd, tkFunction, line)
	p.funcs = p.funcs[:len(p.funcs)-1]
}

func (p *parser) exprList() {
	p.expr()
	for p.testNext(',') {
		p.expr()
	}
}

func (p *parser) primaryExp() int {
	var k int
	switch p.tok {
	case tkName:
		p.next()
		k = expLvalue
	case '(':
		line := p.lx.line
		p.next()
		p.expr()
		p.checkMatch(')', '(', line)
		k = expOther
	default:
		p.errorf("unexpected symbol")
	}
	for {
		switch p.tok {
		case '.':
			p.next()
			p.checkName()
			k = expLvalue
		case '[':
			p.next()
			p.expr()
			p.checkNext(']')
			k = expLvalue
		case ':':
			p.next()
			p.checkName()
			p.funcArgs()
			k = expCall
		case '(', tkString, '{':
			p.funcArgs()
			k = expCall
		default:
			return k
		}
	}
}

func (p *parser) funcArgs() {
	line := p.lx.line
	switch p.tok {
	case '(':
		if line != p.lastLine {
			p.errorf("ambiguous syntax (function call x new statement)")
		}
		p.next()
		if p.tok != ')' {
			p.exprList()
		}
		p.checkMatch(')', '(', line)
	case '{':
		p.constructor()
	case tkString:
		p.next()
	default:
		p.errorf("function arguments expected")
	}
}

func (p *parser) constructor() {
	line := p.lx.line
	p.checkNext('{')
	for p.tok != '}' {
		switch {
		case p.tok == tkName && p.lookahead() == '=':
			p.next()
			p.checkNext('=')
			p.expr()
		case p.tok == '[':
			p.next()
			p.expr()
			p.checkNext(']')
			p.checkNext('=')
			p.expr()
		default:
			p.expr()
		}
		if !p.testNext(',') && !p.testNext(';') {
			break
		}
	}
	p.checkMatch('}', '{', line)
}

func (p *parser) simpleExp() {
	switch p.tok {
	case tkNumber, tkString, tkNil, tkTrue, tkFalse:
		p.next()
	case tkDots:
		if !p.fs().vararg {
			p.errorf("cannot use '...' outside a vararg function")
		}
		p.next()
	case '{':
		p.constructor()
	case tkFunction:
		p.next()
		p.body(p.lx.line)
	default:
		p.primaryExp()
	}
}

// binaryPriority gives Lua 5.1's left and right priorities of a binary operator.
func binaryPriority(tok int) (left, right int, ok bool) {
	switch tok {
	case '+', '-':
		return 6, 6, true
	case '*', '/', '%':
		return 7, 7, true
	case '^':
		return 10, 9, true
	case tkConcat:
		return 5, 4, true
	case tkEq, tkNE, '<', tkLE, '>', tkGE:
		return 3, 3, true
	case tkAnd:
		return 2, 2, true
	case tkOr:
		return 1, 1, true
	}
	return 0, 0, false
}

const unaryPriority = 8

func (p *parser) expr() { p.subExpr(0) }

func (p *parser) subExpr(limit int) {
	p.enter()
	if p.tok == tkNot || p.tok == '-' || p.tok == '#' {
		p.next()
		p.subExpr(unaryPriority)
	} else {
		p.simpleExp()
	}
	for {
		left, right, ok := binaryPriority(p.tok)
		if !ok || left <= limit {
			break
		}
		p.next()
		p.subExpr(right)
	}
	p.leave()
}
