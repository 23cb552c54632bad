// parse.mjs reads PowerShell source on stdin, parses it with
// tree-sitter-powershell (a real PowerShell grammar, from the npm
// registry) and prints one JSON object: {"ok": bool, "problems": [...]},
// each problem an ERROR or MISSING node with its 1-based line and column
// and the text it covers. Exit status 0 when the source parsed cleanly,
// 1 when it has problems, 2 when the parser could not run.
// Used by scan/winrm's TestCollectorIsPowerShell.
import Parser from "tree-sitter";
import PowerShell from "tree-sitter-powershell/bindings/node/index.js";

function problems(root, src) {
  const out = [];
  const walk = (n) => {
    if (n.type === "ERROR" || n.isMissing) {
      out.push({
        kind: n.isMissing ? "MISSING " + n.type : "ERROR",
        line: n.startPosition.row + 1,
        column: n.startPosition.column + 1,
        text: src.slice(n.startIndex, Math.min(n.endIndex, n.startIndex + 80)),
      });
    }
    for (const c of n.children) walk(c);
  };
  walk(root);
  return out;
}

try {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const src = Buffer.concat(chunks).toString("utf8");
  const parser = new Parser();
  parser.setLanguage(PowerShell);
  // The default callback reads in 32 KiB pieces; the collector is small.
  const tree = parser.parse(src, null, { bufferSize: src.length * 4 + 1024 });
  const found = problems(tree.rootNode, src);
  const ok = found.length === 0 && !tree.rootNode.hasError;
  process.stdout.write(JSON.stringify({ ok, root: tree.rootNode.type, problems: found }) + "\n");
  process.exit(ok ? 0 : 1);
} catch (e) {
  process.stderr.write("parse.mjs: " + (e && e.stack ? e.stack : e) + "\n");
  process.exit(2);
}
