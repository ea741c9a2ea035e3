// Layout problems of the current page, as a list of sentences (tests/e2e/conftest.py,
// Site.layout_problems): the page, a table or the menu wider than its room, text cut
// off in a table, a menu that wraps, and a label whose text overlaps its value.
() => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const desc = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.className && typeof el.className === 'string') s += '.' + el.className.trim().split(/\s+/).slice(0, 3).join('.');
    const t = (el.innerText || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return t ? `${s} "${t}"` : s;
  };
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  if (document.documentElement.scrollWidth > vw + 1) problems.push(`page wider than the window: ${document.documentElement.scrollWidth} > ${vw}`);
  for (const table of document.querySelectorAll('table')) {
    if (!visible(table)) continue;
    const r = table.getBoundingClientRect();
    let box = table.parentElement;
    const br = box.getBoundingClientRect();
    if (r.right > Math.min(br.right, vw) + 1 || r.left < Math.max(br.left, 0) - 1) problems.push(`table overflows its box (${Math.round(r.width)} > ${Math.round(br.width)}): ${desc(table)}`);
    for (const cell of table.querySelectorAll('th, td, th *, td *')) {
      const cs = getComputedStyle(cell);
      if ((cs.overflowX === 'hidden' || cs.textOverflow === 'ellipsis') && cell.scrollWidth > cell.clientWidth + 1) problems.push(`text cut off in a table: ${desc(cell)}`);
    }
  }
  for (const nav of document.querySelectorAll('nav, .navbar')) {
    if (!visible(nav)) continue;
    if (nav.scrollWidth > nav.clientWidth + 1) problems.push(`menu overflows: ${desc(nav)}`);
  }
  for (const ul of document.querySelectorAll('.navbar-nav')) {
    if (!visible(ul)) continue;
    const links = [...ul.children].filter(visible);
    const tops = new Set(links.map((li) => Math.round(li.getBoundingClientRect().top)));
    const cs = getComputedStyle(ul);
    if (cs.flexDirection === 'row' && tops.size > 1) problems.push(`menu wraps onto ${tops.size} lines`);
    for (const li of links) { const a = li.querySelector('a, button'); if (a && a.getBoundingClientRect().height > 48) problems.push(`menu item wraps: ${desc(a)}`); }
  }
  const overlap = (a, b) => {
    const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    return x > 1 && y > 1;
  };
  const pairs = [];
  for (const dt of document.querySelectorAll('dt')) { const dd = dt.nextElementSibling; if (dd && dd.tagName === 'DD') pairs.push([dt, dd]); }
  for (const label of document.querySelectorAll('label')) { if (label.control && !label.contains(label.control)) pairs.push([label, label.control]); }
  for (const th of document.querySelectorAll('th[scope="row"]')) { const td = th.nextElementSibling; if (td) pairs.push([th, td]); }
  for (const [label, value] of pairs) {
    if (!visible(label) || !visible(value)) continue;
    // The label's text (its content box may be narrower than the text).
    const range = document.createRange(); range.selectNodeContents(label);
    const rects = [...range.getClientRects()];
    const vr = value.getBoundingClientRect();
    const vrange = document.createRange(); vrange.selectNodeContents(value);
    const vrects = [...vrange.getClientRects(), vr];
    if (rects.some((r) => vrects.some((v) => overlap(r, v)))) problems.push(`label overlaps its value: ${desc(label)} / ${desc(value)}`);
    if (label.scrollWidth > label.clientWidth + 1 && getComputedStyle(label).overflowX !== 'visible') problems.push(`label cut off: ${desc(label)}`);
  }
  return problems;
}
