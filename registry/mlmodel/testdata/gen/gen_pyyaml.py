import json, random, yaml, math, sys
random.seed(20240501)
tricky = ["", "a", "yes", "No", "ON", "off", "true", "False", "null", "Null", "NULL", "~", "1", "-1", "+1",
  "1.0", "1e5", "1.0e+5", "1.5e+3", ".5", "5.", "1_000", "0o17", "012", "019", "0b101", "0x1F", "0x1g", "1:30", "1:30.5",
  "-.inf", ".NaN", ".nan", "2024-01-01", "2024-1-1 1:02:03", "2024-01-01T12:34:56.123456Z", "2024-05-01 12:34:56.123456",
  "3.10", "3.10.12", "1.5.2", " leading", "trailing ", " both ", "a: b", "a:b", "a :b", "- x", "-x", "-", "--", "---", "--- x", "...", ". . .",
  "#x", "x #y", "x#y", "@x", "`x", "!x", "&x", "*x", "|x", ">x", "%x", "'x", "\"x", "x'y", "x\"y", "it's", "[x]", "x]", "{x}", "x,y", "x, y",
  ":x", "?x", "? x", "x?", "x:", "=", "<<", "<", "multi\nline", "two\n\nbreaks", "\nlead", "trail\n", "sp \nbr", "br\n sp",
  "tab\there", "cr\rhere", "nul\x00", "bell\x07", "esc\x1b", "del\x7f", "nbsp\xa0", "nel\x85", "ls\u2028", "ps\u2029", "bom\ufeff",
  "caf\u00e9", "\u00ff", "\u0100", "snow\u2603", "emoji \U0001F600", "\ud7ff", "\ue000", "\ufffd",
  "mlflow-artifacts:/1/models/m-abc/artifacts", "/Workspace/Users/someone@example.com/Managed RAG/config.yml",
  "runs:/0123456789abcdef0123456789abcdef/model", "models:/Credit@champion", "s3://bucket/key with space",
]
def rnd_string():
    alphabet = "ab :#-'\"\n \t,[]{}?x1.e\\" + "\u00e9\u2028\x85"
    n = random.choice([1,2,3,5,8,20,60,90,130,200])
    return "".join(random.choice(alphabet) for _ in range(n))
def long_words(n):
    words = ["alpha", "beta", "gamma", "delta", "x", "yy", "{\"type\":", "\"double\",", "it's", "a", "b'c", "--", "#", ":"]
    return " ".join(random.choice(words) for _ in range(n))
def long_json():
    cols = []
    for i in range(random.randint(1, 12)):
        name = random.choice(["age", "income", "x", "sepal length (cm)", "it's", "tempé", "a b c d e f g", "q\"uote"]) + str(i)
        cols.append({"type": random.choice(["double","long","string","boolean"]), "name": name, "required": random.choice([True, False])})
    return json.dumps(cols)
cases = []
def add(name, value):
    out = yaml.safe_dump(value, default_flow_style=False)
    cases.append({"name": name, "value": value, "yaml": out})
for i, s in enumerate(tricky):
    add(f"value/{i}", {"k": s})
    add(f"key/{i}", {s: "v"} if s else {"": 1})
    add(f"seq/{i}", {"k": [s, "z"]})
    add(f"nested/{i}", {"top": {"mid": s}})
for i in range(250):
    add(f"random/{i}", {"k": rnd_string(), "n": {"deep": rnd_string()}})
for i in range(120):
    add(f"words/{i}", {"k": long_words(random.randint(5, 60)), "n": {"m": {"d": long_words(random.randint(5, 40))}}})
for i in range(120):
    add(f"json/{i}", {"signature": {"inputs": long_json(), "outputs": long_json(), "params": None}})
floats = [0.0, -0.0, 1.0, -1.5, 0.1, 1/3, 2/3, 1e16, 1e15, 123456789012345.6, 1234567890123456.7, 1e17, 1.5e17, 1e-4, 1e-5, 1.5e-5, 1e300, 5e-324, 2.5e-308, 1e22, 3.14159, 100.0, 1e100]
add("floats", {"f": floats})
add("ints", {"i": [0, 1, -1, 2**31, 2**63-1, -2**63, 2**64, 10**30]})
add("bools-nulls", {"t": True, "f": False, "n": None})
add("empties", {"d": {}, "l": [], "s": "", "nested": {"d": {}, "l": [[], {}]}})
add("list-of-dicts", {"l": [{"a": 1, "b": "x"}, {"c": [1, 2, {"d": None}]}, [], {}]})
add("list-of-lists", {"l": [[1, [2, [3]]], ["a", "b"]]})
add("long-key", {"k" * 130: 1, "short": 2})
add("long-multiline-key", {"line one\nline two": 1})
add("resources", {"resources": {"api_version": "1", "databricks": {"serving_endpoint": [{"name": "a"}, {"name": "b"}]}}})
with open(sys.argv[1], "w") as f:
    json.dump(cases, f, indent=1, ensure_ascii=True)
print(len(cases))
