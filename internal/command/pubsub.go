package command

import (
	"strconv"

	"github.com/enclavekv/enclavekv/internal/glob"
	"github.com/enclavekv/enclavekv/internal/resp"
)

// Pub/Sub: SUBSCRIBE and friends register a client in the State's
// registry; PUBLISH formats each message once per protocol and hands the
// bytes to every receiver's Deliver, which the server points at the
// connection's output (where the pubsub output-buffer limit applies).
//
// A RESP2 client with any subscription is in "subscribed mode": it may
// only (un)subscribe, PING, QUIT and RESET (Executor.exec refuses the
// rest). A RESP3 client may run anything; messages arrive as push types
// between its replies.

func init() {
	ps := []string{"pubsub"}
	slowPS := append([]string{"slow"}, ps...)
	fl := PubSub | NoScript | Loading | Stale
	register(
		&Command{Name: "subscribe", Arity: -2, Flags: fl, Handler: subscribeCmd, Categories: slowPS},
		&Command{Name: "unsubscribe", Arity: -1, Flags: fl, Handler: unsubscribeCmd, Categories: slowPS},
		&Command{Name: "psubscribe", Arity: -2, Flags: fl, Handler: psubscribeCmd, Categories: slowPS},
		&Command{Name: "punsubscribe", Arity: -1, Flags: fl, Handler: punsubscribeCmd, Categories: slowPS},
		&Command{Name: "ssubscribe", Arity: -2, Flags: fl, Handler: ssubscribeCmd, Categories: slowPS},
		&Command{Name: "sunsubscribe", Arity: -1, Flags: fl, Handler: sunsubscribeCmd, Categories: slowPS},
		&Command{Name: "publish", Arity: 3, Flags: PubSub | Loading | Stale | Fast, Handler: publishCmd, Categories: append([]string{"fast"}, ps...)},
		&Command{Name: "spublish", Arity: 3, Flags: PubSub | Loading | Stale | Fast, Handler: spublishCmd, Categories: append([]string{"fast"}, ps...)},
		&Command{Name: "pubsub", Arity: -2, Subs: subs(
			&Command{Name: "pubsub|channels", Arity: -2, Flags: PubSub | Loading | Stale, Handler: pubsubChannelsCmd, Categories: slowPS},
			&Command{Name: "pubsub|numsub", Arity: -2, Flags: PubSub | Loading | Stale, Handler: pubsubNumsubCmd, Categories: slowPS},
			&Command{Name: "pubsub|numpat", Arity: 2, Flags: PubSub | Loading | Stale, Handler: pubsubNumpatCmd, Categories: slowPS},
			&Command{Name: "pubsub|shardchannels", Arity: -2, Flags: PubSub | Loading | Stale, Handler: pubsubShardChannelsCmd, Categories: slowPS},
			&Command{Name: "pubsub|shardnumsub", Arity: -2, Flags: PubSub | Loading | Stale, Handler: pubsubShardNumsubCmd, Categories: slowPS},
			&Command{Name: "pubsub|help", Arity: 2, Flags: Loading | Stale, Handler: pubsubHelpCmd, Categories: []string{"slow"}},
		)},
	)
}

// subKind is one of the three kinds of subscription.
type subKind int

const (
	subChannel subKind = iota
	subPattern
	subShard
)

// Reply words per kind: the (un)subscribe confirmations and the message
// type a delivery carries.
var (
	subscribeWord   = [3]string{"subscribe", "psubscribe", "ssubscribe"}
	unsubscribeWord = [3]string{"unsubscribe", "punsubscribe", "sunsubscribe"}
)

// nameSet is a client's subscriptions of one kind. Adding and removing
// are O(1), so that dropping a client with a million subscriptions takes
// time in proportion to them; like Redis's dict, it lists them in no
// particular order (UNSUBSCRIBE without arguments).
type nameSet map[string]struct{}

func (s *nameSet) add(name string) bool {
	if _, ok := (*s)[name]; ok {
		return false
	}
	if *s == nil {
		*s = make(nameSet)
	}
	(*s)[name] = struct{}{}
	return true
}

func (s nameSet) remove(name string) bool {
	if _, ok := s[name]; !ok {
		return false
	}
	delete(s, name)
	return true
}

func (s nameSet) len() int { return len(s) }

// pubsubState is the server-wide registry, guarded by the command lock.
type pubsubState struct {
	subscribers [3]map[string][]*Client // per kind: name → clients, in subscription order
	patterns    []string                // patterns with subscribers, in first-subscription order
}

// subscribers of one kind, made on first use.
func (p *pubsubState) of(k subKind) map[string][]*Client {
	if p.subscribers[k] == nil {
		p.subscribers[k] = make(map[string][]*Client)
	}
	return p.subscribers[k]
}

// PubSub reports whether cl has any subscription (CLIENT LIST flag P, and
// RESP2's subscribed mode).
func (cl *Client) PubSub() bool {
	return cl.subs[subChannel].len()+cl.subs[subPattern].len()+cl.subs[subShard].len() > 0
}

// subscriptionCount is the count the (un)subscribe replies carry: channels
// and patterns together, shard channels apart, as in Redis.
func (cl *Client) subscriptionCount(k subKind) int {
	if k == subShard {
		return cl.subs[subShard].len()
	}
	return cl.subs[subChannel].len() + cl.subs[subPattern].len()
}

// allowedInSubscribedMode lists what a RESP2 client with subscriptions may
// still run.
func allowedInSubscribedMode(cmd *Command) bool {
	switch cmd.Name {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset":
		return true
	}
	return false
}

// subscribeReply confirms one (un)subscription: [word, name or nil, count]
// as a push in RESP3.
func subscribeReply(c *Ctx, word string, name []byte, count int) {
	w := c.W
	start := len(w.Buf)
	defer func() { c.Client.Pushed(start, len(w.Buf)) }()
	w.Push(3)
	w.BulkString(word)
	if name == nil {
		w.Null()
	} else {
		w.Bulk(name)
	}
	w.Int(int64(count))
}

func (s *State) subscribe(cl *Client, k subKind, name []byte) {
	if cl.subs[k].add(string(name)) {
		m := s.pubsub.of(k)
		key := string(name)
		if k == subPattern && len(m[key]) == 0 {
			s.pubsub.patterns = append(s.pubsub.patterns, key)
		}
		m[key] = append(m[key], cl)
	}
}

// unsubscribe drops cl's subscription name of kind k and reports whether
// there was one.
func (s *State) unsubscribe(cl *Client, k subKind, name string) bool {
	if !cl.subs[k].remove(name) {
		return false
	}
	m := s.pubsub.of(k)
	list := m[name]
	for i, o := range list {
		if o == cl {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) > 0 {
		m[name] = list
		return true
	}
	delete(m, name)
	if k == subPattern {
		for i, p := range s.pubsub.patterns {
			if p == name {
				s.pubsub.patterns = append(s.pubsub.patterns[:i], s.pubsub.patterns[i+1:]...)
				break
			}
		}
	}
	return true
}

// UnsubscribeAll drops every subscription of cl without replies (RESET,
// disconnect).
func (s *State) UnsubscribeAll(cl *Client) {
	for k := subChannel; k <= subShard; k++ {
		for name := range cl.subs[k] {
			s.unsubscribe(cl, k, name)
		}
	}
}

// PubSubCounts are the INFO stats figures: channels and patterns with at
// least one subscriber, and shard channels.
func (s *State) PubSubCounts() (channels, patterns, shardChannels int) {
	return len(s.pubsub.subscribers[subChannel]), len(s.pubsub.patterns), len(s.pubsub.subscribers[subShard])
}

func subscribeCmd(c *Ctx)  { c.subscribeCommon(subChannel) }
func psubscribeCmd(c *Ctx) { c.subscribeCommon(subPattern) }
func ssubscribeCmd(c *Ctx) { c.subscribeCommon(subShard) }

func (c *Ctx) subscribeCommon(k subKind) {
	for _, name := range c.Args[1:] {
		c.St.subscribe(c.Client, k, name)
		subscribeReply(c, subscribeWord[k], name, c.Client.subscriptionCount(k))
	}
}

func unsubscribeCmd(c *Ctx)  { c.unsubscribeCommon(subChannel) }
func punsubscribeCmd(c *Ctx) { c.unsubscribeCommon(subPattern) }
func sunsubscribeCmd(c *Ctx) { c.unsubscribeCommon(subShard) }

func (c *Ctx) unsubscribeCommon(k subKind) {
	cl := c.Client
	if len(c.Args) > 1 {
		for _, name := range c.Args[1:] {
			c.St.unsubscribe(cl, k, string(name))
			subscribeReply(c, unsubscribeWord[k], name, cl.subscriptionCount(k))
		}
		return
	}
	// Without arguments: every subscription of the kind, or one reply
	// with a null name when there is none.
	if cl.subs[k].len() == 0 {
		subscribeReply(c, unsubscribeWord[k], nil, cl.subscriptionCount(k))
		return
	}
	for name := range cl.subs[k] {
		c.St.unsubscribe(cl, k, name)
		subscribeReply(c, unsubscribeWord[k], []byte(name), cl.subscriptionCount(k))
	}
}

// message is one published message, formatted lazily once per protocol
// and per pattern, so that fan-out to many subscribers is a copy each.
type message struct {
	word          string // "message" or "smessage"
	channel, body []byte
	plain         [2][]byte // by protocol: RESP2, RESP3
}

func (m *message) bytes(proto int) []byte {
	i := 0
	if proto >= 3 {
		i = 1
	}
	if m.plain[i] == nil {
		w := resp.Writer{Proto: proto}
		w.Push(3)
		w.BulkString(m.word)
		w.Bulk(m.channel)
		w.Bulk(m.body)
		m.plain[i] = w.Buf
	}
	return m.plain[i]
}

func patternMessage(proto int, pattern string, channel, body []byte) []byte {
	w := resp.Writer{Proto: proto}
	w.Push(4)
	w.BulkString("pmessage")
	w.BulkString(pattern)
	w.Bulk(channel)
	w.Bulk(body)
	return w.Buf
}

// deliver hands msg to cl's connection. CLIENT REPLY OFF does not
// silence messages: Redis 7.0 delivers them.
func deliver(cl *Client, msg []byte) {
	if cl.Deliver != nil {
		cl.Deliver(msg)
	}
}

// Publish sends body to the subscribers of channel and of the patterns
// matching it, and returns how many received it. Keyspace notifications
// use it too.
func (s *State) Publish(channel, body []byte) int {
	n := 0
	m := message{word: "message", channel: channel, body: body}
	for _, cl := range s.pubsub.subscribers[subChannel][string(channel)] {
		deliver(cl, m.bytes(cl.Proto))
		n++
	}
	if len(s.pubsub.patterns) == 0 {
		return n
	}
	var byProto [2][]byte
	ch := string(channel)
	for _, p := range s.pubsub.patterns {
		if !glob.MatchString(p, ch, false) {
			continue
		}
		byProto = [2][]byte{}
		for _, cl := range s.pubsub.subscribers[subPattern][p] {
			i := 0
			if cl.Proto >= 3 {
				i = 1
			}
			if byProto[i] == nil {
				byProto[i] = patternMessage(cl.Proto, p, channel, body)
			}
			deliver(cl, byProto[i])
			n++
		}
	}
	return n
}

func publishCmd(c *Ctx) {
	c.W.Int(int64(c.St.Publish(c.Args[1], c.Args[2])))
}

func spublishCmd(c *Ctx) {
	m := message{word: "smessage", channel: c.Args[1], body: c.Args[2]}
	n := 0
	for _, cl := range c.St.pubsub.subscribers[subShard][string(c.Args[1])] {
		deliver(cl, m.bytes(cl.Proto))
		n++
	}
	c.W.Int(int64(n))
}

// channelsMatching lists the names of kind k with subscribers, filtered by
// an optional pattern.
func (c *Ctx) channelsMatching(k subKind) {
	if len(c.Args) > 3 {
		c.subcommandSyntaxError()
		return
	}
	var names []string
	for name := range c.St.pubsub.subscribers[k] {
		if len(c.Args) == 3 && !glob.MatchString(string(c.Args[2]), name, false) {
			continue
		}
		names = append(names, name)
	}
	c.W.Array(len(names))
	for _, n := range names {
		c.W.BulkString(n)
	}
}

func pubsubChannelsCmd(c *Ctx)      { c.channelsMatching(subChannel) }
func pubsubShardChannelsCmd(c *Ctx) { c.channelsMatching(subShard) }

func (c *Ctx) numsub(k subKind) {
	c.W.Array(2 * (len(c.Args) - 2))
	for _, name := range c.Args[2:] {
		c.W.Bulk(name)
		c.W.Int(int64(len(c.St.pubsub.subscribers[k][string(name)])))
	}
}

func pubsubNumsubCmd(c *Ctx)      { c.numsub(subChannel) }
func pubsubShardNumsubCmd(c *Ctx) { c.numsub(subShard) }

// PUBSUB NUMPAT counts patterns with subscribers, not subscriptions, as
// Redis 7.0 does.
func pubsubNumpatCmd(c *Ctx) { c.W.Int(int64(len(c.St.pubsub.patterns))) }

func pubsubHelpCmd(c *Ctx) {
	replyHelp(c,
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	)
}

// pingSubscribed is PING's reply in RESP2 subscribed mode: ["pong", arg].
func pingSubscribed(c *Ctx) {
	c.W.Array(2)
	c.W.BulkString("pong")
	if len(c.Args) == 2 {
		c.W.Bulk(c.Args[1])
	} else {
		c.W.BulkString("")
	}
}

// subCounts is CLIENT LIST's sub=, psub= and ssub= fields.
func (cl *Client) subCounts() string {
	return " sub=" + strconv.Itoa(cl.subs[subChannel].len()) +
		" psub=" + strconv.Itoa(cl.subs[subPattern].len()) +
		" ssub=" + strconv.Itoa(cl.subs[subShard].len())
}
