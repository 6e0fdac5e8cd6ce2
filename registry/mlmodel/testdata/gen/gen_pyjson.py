import json, random, math, struct, sys
random.seed(7)
cases = []
def add(v):
    cases.append({"json": json.dumps(v)})
strs = ["", "a", "\"", "\\", "/", "\n\r\t\b\f", "\x00\x01\x1f\x7f", "caf\u00e9", "\u2028", "\U0001F600", "\uffff", "x'y", "tab\tsep"]
for s in strs: add(s); add({s: [s]})
fl = [0.0, -0.0, 1.0, 0.1, 1/3, 1e16, 1e15, 9999999999999998.0, 1e-4, 9.999e-5, 1e-5, 1e300, 5e-324, 1.7976931348623157e308, 123.456, -2.5e-7, 1e22, 1e21, float("nan"), float("inf"), float("-inf")]
for f in fl: add(f)
for _ in range(400):
    bits = random.getrandbits(64)
    f = struct.unpack("<d", struct.pack("<Q", bits))[0]
    add(f)
    add(random.uniform(-1e6, 1e6))
    add(random.random() * 10 ** random.randint(-30, 30))
for i in [0, -1, 2**63, -2**63-1, 10**40]: add(i)
add([{"type": "double", "name": "x", "required": True}, {"name": "p", "default": [1, 2.5, None, True, "s", {"z": 1, "a": [2]}], "shape": [-1], "type": "long"}])
json.dump(cases, open(sys.argv[1], "w"), indent=0)
print(len(cases))
