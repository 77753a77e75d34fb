// A layered (Sugiyama-style) layout for small directed graphs, left to right:
// cycles broken by DFS, ranks by longest path, long edges through dummy
// points, crossings reduced by barycentre sweeps, then vertical placement
// pulled towards each node's neighbours.

export const NODE_W = 184;
export const NODE_H = 50;
const GAP_X = 76;
const GAP_Y = 20;
const DUMMY_H = 10;
const MARGIN = 16;

export function layout(nodes, edges, { sortKey = (n) => n.id } = {}) {
  const ids = nodes.map((n) => n.id);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const valid = edges.filter((e) => byId.has(e.from) && byId.has(e.to));
  const out = new Map(ids.map((id) => [id, []]));
  for (const e of valid) if (e.from !== e.to) out.get(e.from).push(e);

  // 1. Cycles: an edge to a node on the DFS stack is a back edge.
  const colour = new Map();
  const back = new Set();
  const order = [...ids].sort((a, b) => String(sortKey(byId.get(a))).localeCompare(String(sortKey(byId.get(b)))));
  const visit = (id) => {
    colour.set(id, 1);
    for (const e of out.get(id)) {
      const c = colour.get(e.to) || 0;
      if (c === 1) back.add(e);
      else if (c === 0) visit(e.to);
    }
    colour.set(id, 2);
  };
  for (const id of order) if (!colour.get(id)) visit(id);
  const dag = valid.filter((e) => e.from !== e.to && !back.has(e));

  // 2. Ranks: longest path from the sources, then sources pulled next to
  // their first child (an upstream of another job sits just before its task).
  const preds = new Map(ids.map((id) => [id, []]));
  const succs = new Map(ids.map((id) => [id, []]));
  for (const e of dag) {
    preds.get(e.to).push(e.from);
    succs.get(e.from).push(e.to);
  }
  const rank = new Map();
  const rankOf = (id) => {
    if (rank.has(id)) return rank.get(id);
    const p = preds.get(id);
    const r = p.length ? Math.max(...p.map(rankOf)) + 1 : 0;
    rank.set(id, r);
    return r;
  };
  ids.forEach(rankOf);
  for (const id of ids) {
    if (!preds.get(id).length && succs.get(id).length) {
      rank.set(id, Math.max(0, Math.min(...succs.get(id).map((s) => rank.get(s))) - 1));
    }
  }

  // 3. Dummy points on edges that span several ranks.
  const layers = [];
  const put = (id, r) => {
    while (layers.length <= r) layers.push([]);
    layers[r].push(id);
  };
  for (const id of order) put(id, rank.get(id));
  const dummies = new Map(); // dummy id -> rank
  const chains = new Map(); // edge -> [dummy ids]
  const up = new Map(ids.map((id) => [id, []]));
  const down = new Map(ids.map((id) => [id, []]));
  const link = (a, b) => {
    down.get(a).push(b);
    up.get(b).push(a);
  };
  dag.forEach((e, i) => {
    const chain = [];
    let prev = e.from;
    for (let r = rank.get(e.from) + 1; r < rank.get(e.to); r++) {
      const d = `dummy:${i}:${r}`;
      dummies.set(d, r);
      up.set(d, []);
      down.set(d, []);
      put(d, r);
      link(prev, d);
      chain.push(d);
      prev = d;
    }
    link(prev, e.to);
    chains.set(e, chain);
  });

  // 4. Crossings: barycentre sweeps down and up.
  const pos = new Map();
  const index = () => layers.forEach((layer) => layer.forEach((id, i) => pos.set(id, i)));
  index();
  const sweep = (r, neighbours) => {
    const layer = layers[r];
    const weight = new Map(layer.map((id) => {
      const n = neighbours.get(id);
      return [id, n.length ? n.reduce((sum, m) => sum + pos.get(m), 0) / n.length : pos.get(id)];
    }));
    layer.sort((a, b) => weight.get(a) - weight.get(b));
    layer.forEach((id, i) => pos.set(id, i));
  };
  for (let pass = 0; pass < 8; pass++) {
    for (let r = 1; r < layers.length; r++) sweep(r, up);
    for (let r = layers.length - 2; r >= 0; r--) sweep(r, down);
  }

  // 5. Coordinates: stack each layer, then pull nodes towards their neighbours.
  const size = (id) => (dummies.has(id) ? DUMMY_H : NODE_H);
  const y = new Map();
  layers.forEach((layer) => {
    let top = 0;
    for (const id of layer) {
      y.set(id, top + size(id) / 2);
      top += size(id) + GAP_Y;
    }
  });
  const place = (layer, neighbours) => {
    const desired = layer.map((id) => {
      const n = neighbours.get(id);
      return n.length ? n.reduce((sum, m) => sum + y.get(m), 0) / n.length : y.get(id);
    });
    const placed = [];
    layer.forEach((id, i) => {
      const min = i ? placed[i - 1] + size(layer[i - 1]) / 2 + GAP_Y + size(id) / 2 : -Infinity;
      placed.push(Math.max(desired[i], min));
    });
    // Spread the push-down evenly: shift the layer back up by its mean excess,
    // keeping the order and gaps.
    const excess = placed.reduce((sum, v, i) => sum + (v - desired[i]), 0) / (placed.length || 1);
    layer.forEach((id, i) => y.set(id, placed[i] - excess));
  };
  for (let pass = 0; pass < 6; pass++) {
    for (let r = 1; r < layers.length; r++) place(layers[r], up);
    for (let r = layers.length - 2; r >= 0; r--) place(layers[r], down);
  }
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [id, v] of y) {
    minY = Math.min(minY, v - size(id) / 2);
    maxY = Math.max(maxY, v + size(id) / 2);
  }
  const loops = valid.some((e) => e.from === e.to) ? 26 : 0;
  const shift = MARGIN + loops - minY;
  const x = (r) => MARGIN + r * (NODE_W + GAP_X);
  const placedNodes = new Map(ids.map((id) => [id, { x: x(rank.get(id)), y: y.get(id) + shift - NODE_H / 2, rank: rank.get(id) }]));

  // 6. Edge routes.
  const routed = [];
  for (const e of valid) {
    const a = placedNodes.get(e.from);
    const b = placedNodes.get(e.to);
    if (e.from === e.to) {
      routed.push({ ...e, shape: "self", d: selfLoop(a) });
    } else if (back.has(e)) {
      routed.push({ ...e, shape: "back", d: backEdge(a, b, maxY + shift) });
    } else {
      const points = [{ x: a.x + NODE_W, y: a.y + NODE_H / 2 }];
      for (const d of chains.get(e)) {
        const dy = y.get(d) + shift;
        points.push({ x: x(dummies.get(d)), y: dy }, { x: x(dummies.get(d)) + NODE_W, y: dy });
      }
      points.push({ x: b.x, y: b.y + NODE_H / 2 });
      routed.push({ ...e, shape: "forward", d: curve(points) });
    }
  }
  const width = MARGIN * 2 + Math.max(1, layers.length) * NODE_W + Math.max(0, layers.length - 1) * GAP_X;
  const height = maxY - minY + MARGIN * 2 + (back.size ? 40 : 0) + loops;
  return { nodes: placedNodes, edges: routed, width, height };
}

function curve(points) {
  let d = `M${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1];
    const q = points[i];
    if (p.y === q.y) {
      d += ` L${q.x},${q.y}`;
      continue;
    }
    const dx = (q.x - p.x) / 2;
    d += ` C${p.x + dx},${p.y} ${q.x - dx},${q.y} ${q.x},${q.y}`;
  }
  return d;
}

function backEdge(a, b, bottom) {
  const sx = a.x + NODE_W / 2;
  const sy = a.y + NODE_H;
  const tx = b.x + NODE_W / 2;
  const ty = b.y + NODE_H;
  const low = Math.max(sy, ty, bottom - MARGIN) + 30;
  return `M${sx},${sy} C${sx},${low} ${tx},${low} ${tx},${ty}`;
}

function selfLoop(a) {
  const sx = a.x + NODE_W - 30;
  const sy = a.y;
  return `M${sx},${sy} C${sx - 4},${sy - 30} ${sx + 40},${sy - 30} ${sx + 36},${sy}`;
}
