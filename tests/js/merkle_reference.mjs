// Reference answers from @openzeppelin/merkle-tree for tests/test_merkle.py.
// One JSON request per stdin line: {"trees": [{"encoding": [...], "values": [[...], ...]}]};
// one JSON answer per line: {"results": [{"root", "proofs": [[...]], "dump"}]} or {"error"}.
import { createInterface } from "node:readline";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

function answer(tree) {
  const t = StandardMerkleTree.of(tree.values, tree.encoding);
  const proofs = tree.values.map((_, i) => t.getProof(i));
  return { root: t.root, proofs, dump: t.dump() };
}

const lines = createInterface({ input: process.stdin, terminal: false });
for await (const line of lines) {
  if (!line.trim()) continue;
  let reply;
  try {
    reply = { results: JSON.parse(line).trees.map(answer) };
  } catch (err) {
    reply = { error: String(err && err.message ? err.message : err) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
