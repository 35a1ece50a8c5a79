// about.js — renders README.md (fetched beside the demo) as the page "About wasm-cnn": a
// small Markdown reader for what the README uses — headings, paragraphs, fenced code, tables,
// lists (nested by indentation), block quotes, inline code, bold, italic and links. Text is
// escaped first, so nothing in the file becomes markup it did not ask for.

const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Inline Markdown → HTML: code spans first (their content stays literal), then links, bold, italic. */
export function inline(text) {
  const parts = text.split(/(`+[^`]*?`+)/);
  return parts.map((p, i) => {
    if (i % 2) return `<code>${escape(p.replace(/^`+\s?|\s?`+$/g, ''))}</code>`;
    return escape(p)
      .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label, href) => `<a href="${href}">${label}</a>`)
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/(^|[^\w*])\*([^*\s][^*]*?)\*(?!\w)/g, '$1<em>$2</em>')
      .replace(/(^|\W)_([^_\s][^_]*?)_(?!\w)/g, '$1<em>$2</em>');
  }).join('');
}

const cells = (row) => row.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => inline(c.trim().replace(/\\\|/g, '|')));

/** Block Markdown → HTML. */
export function render(md) {
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  const out = [];
  let i = 0;
  const isBlockStart = (l) => /^(#{1,6}\s|```|>|\s*([-*+]|\d+\.)\s|\|)/.test(l);
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }
    let m;
    if ((m = /^(#{1,6})\s+(.*?)\s*#*$/.exec(line))) {
      const id = m[2].toLowerCase().replace(/[^\w\s-]/g, '').trim().replace(/\s+/g, '-');
      out.push(`<h${m[1].length} id="${id}">${inline(m[2])}</h${m[1].length}>`);
      i++;
    } else if ((m = /^(\s*)```(\S*)/.exec(line))) {
      const body = [];
      i++;
      while (i < lines.length && !/^\s*```/.test(lines[i])) body.push(lines[i++]);
      i++;
      out.push(`<pre><code${m[2] ? ` class="language-${escape(m[2])}"` : ''}>${escape(body.join('\n'))}</code></pre>`);
    } else if (line.startsWith('|') && i + 1 < lines.length && /^\|?\s*:?-{2,}/.test(lines[i + 1])) {
      const head = cells(line);
      i += 2;
      const rows = [];
      while (i < lines.length && lines[i].trim().startsWith('|')) rows.push(cells(lines[i++]));
      out.push(`<table><thead><tr>${head.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
    } else if (line.startsWith('>')) {
      const body = [];
      while (i < lines.length && lines[i].startsWith('>')) body.push(lines[i++].replace(/^>\s?/, ''));
      out.push(`<blockquote>${render(body.join('\n'))}</blockquote>`);
    } else if (/^\s*([-*+]|\d+\.)\s/.test(line)) {
      // a list: items start at this indentation; deeper lines belong to the item before
      const indent = /^\s*/.exec(line)[0].length;
      const ordered = /^\s*\d+\./.test(line);
      const items = [];
      while (i < lines.length) {
        const l = lines[i];
        const ind = /^\s*/.exec(l)[0].length;
        if (l.trim() && ind === indent && /^\s*([-*+]|\d+\.)\s/.test(l)) items.push([l.replace(/^\s*([-*+]|\d+\.)\s+/, '')]);
        else if (l.trim() && ind > indent) items[items.length - 1].push(l.slice(Math.min(ind, indent + 2)));
        else if (!l.trim() && i + 1 < lines.length && /^\s+/.test(lines[i + 1]) && /^\s*/.exec(lines[i + 1])[0].length > indent) items[items.length - 1].push('');
        else break;
        i++;
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((it) => {
        const [first, ...rest] = it;
        const more = rest.join('\n');
        return `<li>${inline(first)}${more.trim() ? render(more) : ''}</li>`;
      }).join('')}</${tag}>`);
    } else {
      const body = [];
      while (i < lines.length && lines[i].trim() && !isBlockStart(lines[i])) body.push(lines[i++].trim());
      if (!body.length) body.push(lines[i++].trim());
      out.push(`<p>${inline(body.join(' '))}</p>`);
    }
  }
  return out.join('\n');
}

if (typeof document !== 'undefined') {
  const box = document.getElementById('readme');
  try {
    const res = await fetch('README.md');
    if (!res.ok) throw new Error(`README.md: HTTP ${res.status}`);
    box.innerHTML = render(await res.text());
    document.title = `About wasm-cnn — ${box.querySelector('h1')?.textContent ?? 'README'}`;
    if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  } catch (err) {
    box.textContent = `Could not load README.md: ${err.message}`;
  }
  document.documentElement.dataset.ready = 'true';
}
