// A layered (Sugiyama-style) layout for small directed graphs, left to right
// (or top to bottom, for narrow screens):
// cycles broken by DFS, ranks by longest path, long edges through dummy
// points, crossings reduced by barycentre sweeps, then vertical placement
// pulled towards each node's neighbours.

export const NODE_W = 184;
export const NODE_H = 50;
const GAP_X = 76;
const GAP_Y = 20;
const GAP_RANK_V = 56;
const DUMMY_H = 10;
const MARGIN = 16;

export function layout(nodes, edges, { sortKey = (n) => n.id, vertical = false, nodeWidth = NODE_W } = {}) {
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

  // 5. Coordinates along the layers ("cross"), then pulled towards neighbours.
  const along = vertical ? nodeWidth : NODE_H; // a node's extent across the ranks' direction
  const thick = vertical ? NODE_H : nodeWidth; // and along it
  const gapCross = vertical ? 24 : GAP_Y;
  const rankStep = thick + (vertical ? GAP_RANK_V : GAP_X);
  const size = (id) => (dummies.has(id) ? DUMMY_H : along);
  const c = new Map();
  layers.forEach((layer) => {
    let top = 0;
    for (const id of layer) {
      c.set(id, top + size(id) / 2);
      top += size(id) + gapCross;
    }
  });
  const place = (layer, neighbours) => {
    const desired = layer.map((id) => {
      const n = neighbours.get(id);
      return n.length ? n.reduce((sum, m) => sum + c.get(m), 0) / n.length : c.get(id);
    });
    const placed = [];
    layer.forEach((id, i) => {
      const min = i ? placed[i - 1] + size(layer[i - 1]) / 2 + gapCross + size(id) / 2 : -Infinity;
      placed.push(Math.max(desired[i], min));
    });
    // Spread the push-down evenly: shift the layer back by its mean excess,
    // keeping the order and gaps.
    const excess = placed.reduce((sum, v, i) => sum + (v - desired[i]), 0) / (placed.length || 1);
    layer.forEach((id, i) => c.set(id, placed[i] - excess));
  };
  for (let pass = 0; pass < 6; pass++) {
    for (let r = 1; r < layers.length; r++) place(layers[r], up);
    for (let r = layers.length - 2; r >= 0; r--) place(layers[r], down);
  }
  let minC = Infinity;
  let maxC = -Infinity;
  for (const [id, v] of c) {
    minC = Math.min(minC, v - size(id) / 2);
    maxC = Math.max(maxC, v + size(id) / 2);
  }
  const loops = valid.some((e) => e.from === e.to) ? 26 : 0;
  const shift = MARGIN + loops - minC;
  const rankAt = (r) => MARGIN + r * rankStep;
  const cross = (id) => c.get(id) + shift;
  // (position along the ranks, across them) to (x, y)
  const xy = (rp, cp) => (vertical ? { x: cp, y: rp } : { x: rp, y: cp });
  const placedNodes = new Map(ids.map((id) => {
    const corner = xy(rankAt(rank.get(id)), cross(id) - along / 2);
    return [id, { ...corner, rank: rank.get(id) }];
  }));

  // 6. Edge routes, drawn in (along, across) and mapped.
  const routed = [];
  const far = maxC + shift + 30; // back edges go round beyond the last node
  for (const e of valid) {
    const ra = rankAt(rank.get(e.from));
    const rb = rankAt(rank.get(e.to));
    if (e.from === e.to) {
      const top = cross(e.from) - along / 2;
      const p = ra + thick - 30;
      routed.push({ ...e, shape: "self", d: path([[p, top], [p - 4, top - 30], [p + 40, top - 30], [p + 36, top]], xy, "C") });
    } else if (back.has(e)) {
      const a = [ra + thick / 2, cross(e.from) + along / 2];
      const b = [rb + thick / 2, cross(e.to) + along / 2];
      routed.push({ ...e, shape: "back", d: path([a, [a[0], far], [b[0], far], b], xy, "C") });
    } else {
      const points = [[ra + thick, cross(e.from)]];
      for (const d of chains.get(e)) {
        const rd = rankAt(dummies.get(d));
        points.push([rd, cross(d)], [rd + thick, cross(d)]);
      }
      points.push([rb, cross(e.to)]);
      routed.push({ ...e, shape: "forward", d: curve(points, xy) });
    }
  }
  const rankExtent = MARGIN * 2 + Math.max(1, layers.length) * thick + Math.max(0, layers.length - 1) * (rankStep - thick);
  const crossExtent = maxC - minC + MARGIN * 2 + (back.size ? 40 : 0) + loops;
  const box = xy(rankExtent, crossExtent);
  return { nodes: placedNodes, edges: routed, width: box.x, height: box.y, nodeWidth };
}

const point = (xy, [rp, cp]) => {
  const p = xy(rp, cp);
  return `${p.x},${p.y}`;
};

function path(points, xy, kind) {
  return `M${point(xy, points[0])} ${kind}${points.slice(1).map((p) => point(xy, p)).join(" ")}`;
}

// Smooth curves between successive points, leaving and entering along the ranks.
function curve(points, xy) {
  let d = `M${point(xy, points[0])}`;
  for (let i = 1; i < points.length; i++) {
    const [pr, pc] = points[i - 1];
    const [qr, qc] = points[i];
    if (pc === qc) {
      d += ` L${point(xy, points[i])}`;
      continue;
    }
    const half = (qr - pr) / 2;
    d += ` C${point(xy, [pr + half, pc])} ${point(xy, [qr - half, qc])} ${point(xy, [qr, qc])}`;
  }
  return d;
}
