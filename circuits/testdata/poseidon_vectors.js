// Regenerates poseidon_vectors.json from circomlibjs (the reference
// JavaScript implementation of circomlib's Poseidon).
//   npm install circomlibjs@0.1.7 && node circuits/testdata/poseidon_vectors.js > circuits/testdata/poseidon_vectors.json
const { buildPoseidon } = require("circomlibjs");
const hex = (x) => "0x" + BigInt(x).toString(16).padStart(64, "0");
(async () => {
  const poseidon = await buildPoseidon();
  const F = poseidon.F;
  const p = BigInt("21888242871839275222246405745257275088548364400416034343698204186575808495617");
  const cases = [];
  for (let n = 1; n <= 12; n++) {
    const sets = [
      Array.from({ length: n }, (_, i) => BigInt(i + 1)),
      Array.from({ length: n }, (_, i) => p - 1n - BigInt(i)),
      Array.from({ length: n }, (_, i) => (BigInt(i + 7) ** 40n) % p),
    ];
    for (const inputs of sets) {
      cases.push({ inputs: inputs.map(hex), output: hex(F.toObject(poseidon(inputs))) });
    }
  }
  console.log(JSON.stringify({ source: "circomlibjs 0.1.7 buildPoseidon()", cases }, null, 1));
})();
