package runname

// maxAdjective and maxNoun bound the word lengths so that
// maxAdjective + 1 + maxNoun + 1 + 3 digits ≤ MaxLength.
const (
	maxAdjective = 9
	maxNoun      = 6
)

// adjectives are cheerful or neutral, lowercase ASCII, at most maxAdjective
// letters. Changing either list changes the names a seed gives: update the
// seeded tests and the example with it.
var adjectives = [...]string{
	"able", "agile", "amber", "ample", "arctic", "azure", "bold", "brave",
	"breezy", "bright", "brisk", "bubbly", "calm", "candid", "cheerful", "cheery",
	"clever", "cosmic", "cozy", "crisp", "curious", "dapper", "daring", "dashing",
	"dazzling", "eager", "early", "earnest", "easy", "elegant", "epic", "fancy",
	"fearless", "festive", "fluffy", "fond", "frosty", "gentle", "giant", "gleaming",
	"glossy", "golden", "graceful", "grand", "happy", "hardy", "hearty", "honest",
	"humble", "jazzy", "jolly", "jovial", "joyful", "keen", "kind", "lively",
	"lucky", "lunar", "magic", "mellow", "merry", "mighty", "misty", "modest",
	"nimble", "noble", "patient", "peppy", "plucky", "polite", "proud", "quick",
	"quiet", "quirky", "radiant", "rapid", "rosy", "rustic", "serene", "shiny",
	"silent", "silver", "sleek", "smart", "snappy", "snug", "solar", "sparkly",
	"speedy", "spry", "steady", "sturdy", "sunny", "swift", "tidy", "tranquil",
	"trusty", "upbeat", "vivid", "warm", "wise", "witty", "zany", "zesty",
	"zippy",
}

// nouns are animals, lowercase ASCII, at most maxNoun letters.
var nouns = [...]string{
	"ant", "ape", "badger", "bat", "bear", "beaver", "bee", "bison",
	"boar", "bobcat", "camel", "carp", "cat", "clam", "cobra", "cod",
	"colt", "condor", "cougar", "cow", "crab", "crane", "crow", "cub",
	"deer", "dingo", "dodo", "dog", "dove", "duck", "eagle", "eel",
	"egret", "elk", "emu", "falcon", "fawn", "finch", "fox", "frog",
	"gecko", "gnu", "goat", "goose", "gull", "hare", "hawk", "heron",
	"hippo", "ibex", "ibis", "impala", "jay", "koala", "koi", "lamb",
	"lark", "lemur", "lion", "llama", "lynx", "magpie", "marten", "mink",
	"mole", "moose", "moth", "mule", "newt", "ocelot", "orca", "otter",
	"owl", "ox", "panda", "parrot", "pony", "puffin", "puma", "quail",
	"rabbit", "raven", "robin", "salmon", "seal", "shark", "sloth", "snail",
	"squid", "stork", "swan", "tapir", "tern", "tiger", "toad", "trout",
	"tuna", "turtle", "vole", "walrus", "wasp", "whale", "wolf", "wombat",
	"wren", "yak", "zebra",
}
