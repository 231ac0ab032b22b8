/**
 * The bench's PyTorch peer: a peer on the reference BLAS is refused (its ratios
 * would flatter tfjs ~5x) unless allowed, and then labelled; the peer found on
 * this machine, if any, reports one thread.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { fairPeer, findPeer, Peer, peerLine } from "../../../bench/peer";

const peer = (blas: string, optimisedBlas: boolean): Peer => ({ python: "/usr/bin/python3", torch: "1.13", blas, optimisedBlas, threads: { torch: 1, blas: optimisedBlas ? 1 : null } });

test("a peer on the reference BLAS is refused unless BENCH_ALLOW_REFERENCE_BLAS=1, then labelled weak", () => {
  const weak = peer("libblas.so.3", false);
  assert.throws(() => fairPeer({}, weak), /reference BLAS.*apt-get install libopenblas0-pthread/s);
  assert.equal(fairPeer({ BENCH_ALLOW_REFERENCE_BLAS: "1" }, weak), weak);
  assert.match(peerLine(weak), /REFERENCE BLAS: a weak peer/);
  const fair = peer("libopenblasp-r0.3.21.so", true);
  assert.equal(fairPeer({}, fair), fair);
  assert.doesNotMatch(peerLine(fair), /weak/);
  assert.match(peerLine(null), /not found/);
});

test("the peer found here (if any) runs one thread in torch and in its BLAS", (t) => {
  const p = findPeer();
  if (!p) return t.skip("no python with torch here");
  assert.equal(p.threads.torch, 1);
  if (p.threads.blas !== null) assert.equal(p.threads.blas, 1);
});
