// Reads GIFT on stdin and prints gift-pegjs's parse of it as JSON (tests/course/test_gift_pegjs.py).
const gift = require("gift-pegjs");
let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", () => { process.stdout.write(JSON.stringify(gift.parse(text))); });
