/*
 * In-browser verification of one ledger entry (信息公开 › 验证账本条目), with WebCrypto only.
 *
 * The reader trusts only the platform's public key, not the server's answers:
 *  1. leaf hash = SHA-256(0x00 || the entry's bytes, as typed in the box);
 *  2. the RFC 9162 §2.1.3.2 inclusion-path walk from that leaf to a root
 *     (a port of matching/merkle.py verify_inclusion; indices as BigInt, so any tree size);
 *  3. the head's key id picks the key among every published key (rotation keeps old heads
 *     verifiable); its id = first 16 hex digits of SHA-256(raw public key), and the head's
 *     timestamp must fall in that key's validity period;
 *  4. the Ed25519 signature of the tree head over its canonical JSON
 *     (matching/ledger.py TreeHead.signed_bytes: keys sorted, compact, "v": 1).
 * Editing a single character of the entry changes the leaf hash, so the walk ends at another
 * root and the check fails.
 */
"use strict";

(function () {
  const encoder = new TextEncoder();

  function hexToBytes(hex) {
    if (typeof hex !== "string" || hex.length % 2 !== 0 || /[^0-9a-f]/i.test(hex)) {
      throw new Error("十六进制格式不正确");
    }
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function bytesToHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function base64ToBytes(text) {
    const raw = atob(text);
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  function leafHash(entryBytes) {
    return sha256(concat(new Uint8Array([0]), entryBytes));
  }

  function nodeHash(left, right) {
    return sha256(concat(new Uint8Array([1]), left, right));
  }

  /* The root an audit path leads to from ``leaf`` at ``index`` in a tree of ``size``. */
  async function rootFromInclusion(leaf, index, size, path) {
    let fn = BigInt(index);
    let sn = BigInt(size) - 1n;
    if (fn < 0n || fn > sn) throw new Error("条目位置超出树的范围");
    let r = leaf;
    for (const p of path) {
      if (sn === 0n) throw new Error("证明路径过长");
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        if ((fn & 1n) === 0n) {
          while (fn !== 0n && (fn & 1n) === 0n) {
            fn >>= 1n;
            sn >>= 1n;
          }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) throw new Error("证明路径过短");
    return r;
  }

  /* The exact bytes the platform signed: canonical JSON, keys in sorted order, no spaces. */
  function treeHeadSignedBytes(head) {
    const canonical = {
      key_id: String(head.key_id),
      root_hash: String(head.root_hash),
      timestamp: String(head.timestamp),
      tree_size: Number(head.tree_size),
      v: 1,
    };
    return encoder.encode(JSON.stringify(canonical));
  }

  async function verifyHeadSignature(head, rawKey) {
    const key = await crypto.subtle.importKey("raw", rawKey, { name: "Ed25519" }, false, [
      "verify",
    ]);
    return crypto.subtle.verify(
      { name: "Ed25519" },
      key,
      base64ToBytes(head.signature),
      treeHeadSignedBytes(head),
    );
  }

  /* The published key that signed ``head``: by key id among every key (rotation keeps old
     heads verifiable), or the single key of the document's older shape. */
  function keyFor(head, keyDoc) {
    const keys = Array.isArray(keyDoc.keys) ? keyDoc.keys : [keyDoc];
    return keys.find((k) => k.key_id === head.key_id) || null;
  }

  function equal(a, b) {
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }

  /* Runs every step on ``entryText``; returns [{step, ok, text}], stopping at none. */
  async function verifyEntry(entryText, proof, keyDoc) {
    const steps = [];
    const add = (step, ok, text) => steps.push({ step, ok, text });
    const head = proof.tree_head;
    const leaf = await leafHash(encoder.encode(entryText));
    const leafHex = bytesToHex(leaf);
    if (leafHex === proof.leaf_hash) {
      add("leaf", true, `叶子哈希 SHA-256(0x00‖条目) = ${leafHex.slice(0, 16)}…，与账本记录一致`);
    } else {
      add("leaf", false, `叶子哈希 ${leafHex.slice(0, 16)}… 与账本记录 ${String(proof.leaf_hash).slice(0, 16)}… 不一致：条目内容被改动`);
    }
    try {
      const path = proof.audit_path.map(hexToBytes);
      const root = await rootFromInclusion(leaf, proof.leaf_index, head.tree_size, path);
      if (equal(root, hexToBytes(head.root_hash))) {
        add("path", true, `沿 ${path.length} 个节点的包含证明算得根哈希 ${head.root_hash.slice(0, 16)}…，与签名树头一致（位置 #${proof.leaf_index}，树大小 ${head.tree_size}）`);
      } else {
        add("path", false, `沿包含证明算得的根哈希 ${bytesToHex(root).slice(0, 16)}… 与签名树头的根哈希 ${head.root_hash.slice(0, 16)}… 不一致：该条目不在这棵树中`);
      }
    } catch (err) {
      add("path", false, `包含证明无效：${err.message}`);
    }
    const listed = keyFor(head, keyDoc);
    if (!listed) {
      add("key", false, `树头由未知密钥 ${head.key_id} 签名：平台公布的密钥中没有它`);
      add("signature", false, "无法验证签名：没有对应的公钥");
      return steps;
    }
    const rawKey = base64ToBytes(listed.public_key);
    const keyId = bytesToHex(await sha256(rawKey)).slice(0, 16);
    const inPeriod =
      (!listed.valid_from || listed.valid_from <= head.timestamp) &&
      (!listed.valid_until || head.timestamp < listed.valid_until);
    if (keyId !== head.key_id) {
      add("key", false, `树头的密钥编号 ${head.key_id} 与公钥 ${keyId} 不符`);
    } else if (!inPeriod) {
      add("key", false, `树头签发时间 ${head.timestamp} 不在密钥 ${keyId} 的有效期（${listed.valid_from || "启用之初"} 至 ${listed.valid_until || "至今"}）内`);
    } else {
      add("key", true, `树头由公钥 ${keyId} 签名，签发时该密钥在有效期内`);
    }
    try {
      const valid = await verifyHeadSignature(head, rawKey);
      add("signature", valid, valid
        ? `Ed25519 签名有效：树头（${head.timestamp}）由本平台签发`
        : "Ed25519 签名无效：树头被改动或不是本平台签发");
    } catch (err) {
      add("signature", false, `此浏览器无法验证 Ed25519 签名（${err.name}），请使用命令行 aidbridge verify`);
    }
    return steps;
  }

  window.LedgerVerify = { leafHash, rootFromInclusion, treeHeadSignedBytes, verifyEntry, bytesToHex };

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message || `请求失败（${response.status}）`);
    return body;
  }

  function show(list, result, steps) {
    list.replaceChildren(
      ...steps.map((s) => {
        const li = document.createElement("li");
        li.dataset.step = s.step;
        li.dataset.ok = String(s.ok);
        li.textContent = `${s.ok ? "✓" : "✗"} ${s.text}`;
        return li;
      }),
    );
    const ok = steps.every((s) => s.ok);
    result.dataset.ok = String(ok);
    result.textContent = ok
      ? "验证通过：该条目原样包含在平台签名的公开账本中。"
      : "验证失败：该条目与平台签名的公开账本不符。";
  }

  async function start() {
    const panel = document.getElementById("ledger-verify");
    const box = document.getElementById("entry-bytes");
    if (!panel || !box) return;
    const list = document.getElementById("verify-steps");
    const result = document.getElementById("verify-result");
    const button = document.getElementById("run-verify");
    if (!window.crypto || !crypto.subtle) {
      result.dataset.ok = "false";
      result.textContent = "此浏览器不支持 WebCrypto（需 HTTPS），请使用命令行 aidbridge verify。";
      return;
    }
    const entry = encodeURIComponent(panel.dataset.entry);
    let proof;
    let keyDoc;
    try {
      [proof, keyDoc] = await Promise.all([
        getJson(`/api/v1/ledger/proofs/inclusion/${entry}`),
        getJson("/api/v1/ledger/public-key"),
      ]);
    } catch (err) {
      box.value = "";
      result.dataset.ok = "false";
      result.textContent = `无法获取证明：${err.message}`;
      return;
    }
    document.getElementById("proof-json").textContent = JSON.stringify(
      { tree_head: proof.tree_head, leaf_index: proof.leaf_index, audit_path: proof.audit_path },
      null,
      2,
    );
    box.value = proof.entry;
    box.disabled = false;
    button.disabled = false;
    const run = async () => {
      button.disabled = true;
      result.textContent = "正在验证……";
      delete result.dataset.ok;
      try {
        show(list, result, await verifyEntry(box.value, proof, keyDoc));
      } finally {
        button.disabled = false;
      }
    };
    button.addEventListener("click", run);
    await run();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
