// Packet detail: the field tree (collapsible; protocols open) and a hex/ASCII dump of the
// packet's bytes. Selecting a field highlights the bytes it covers.

const BYTES_PER_LINE = 16;

const hex2 = (b) => b.toString(16).padStart(2, '0');

export class PacketDetail {
  /**
   * @param {HTMLElement} treeEl container of the field tree
   * @param {HTMLElement} hexEl container of the hex dump
   */
  constructor(treeEl, hexEl) {
    this.treeEl = treeEl;
    this.hexEl = hexEl;
    this.byteEls = [];  // [hexSpan, asciiSpan] per byte
    this.highlighted = [];
    this.selectedField = null;
    treeEl.addEventListener('click', (e) => {
      const label = e.target.closest('.field-label');
      if (label) this.selectField(label);
    });
    treeEl.addEventListener('keydown', (e) => {
      const label = e.target.closest('.field-label');
      if (label && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        this.selectField(label);
      }
    });
  }

  clear(message = '') {
    this.treeEl.textContent = message;
    this.hexEl.textContent = '';
    this.byteEls = [];
    this.highlighted = [];
    this.selectedField = null;
  }

  /** Shows packet `{number, fields, bytes}`. */
  show(packet) {
    this.clear();
    this.treeEl.append(this.renderNodes(packet.fields, 0));
    this.renderHex(packet.bytes);
  }

  renderNodes(nodes, depth) {
    const list = document.createElement('ul');
    list.className = depth === 0 ? 'field-tree' : 'field-children';
    list.setAttribute('role', depth === 0 ? 'tree' : 'group');
    for (const node of nodes) {
      const item = document.createElement('li');
      item.setAttribute('role', 'treeitem');
      const label = document.createElement('span');
      label.className = 'field-label';
      label.tabIndex = 0;
      label.textContent = node.label;
      label.title = node.name;
      label.dataset.name = node.name;
      label.dataset.offset = String(node.offset);
      label.dataset.length = String(node.length);
      if (node.children.length) {
        const open = depth === 0 && node.name !== 'frame';
        item.classList.toggle('collapsed', !open);
        item.setAttribute('aria-expanded', String(open));
        const toggle = document.createElement('button');
        toggle.type = 'button';
        toggle.className = 'field-toggle';
        toggle.setAttribute('aria-label', 'expand or collapse');
        toggle.addEventListener('click', () => {
          const collapsed = item.classList.toggle('collapsed');
          item.setAttribute('aria-expanded', String(!collapsed));
        });
        item.append(toggle, label, this.renderNodes(node.children, depth + 1));
      } else {
        item.append(label);
      }
      list.append(item);
    }
    return list;
  }

  renderHex(bytes) {
    const frag = document.createDocumentFragment();
    this.byteEls = new Array(bytes.length);
    for (let line = 0; line < bytes.length; line += BYTES_PER_LINE) {
      const row = document.createElement('div');
      row.className = 'hex-line';
      const offset = document.createElement('span');
      offset.className = 'hex-offset';
      offset.textContent = line.toString(16).padStart(4, '0');
      const hex = document.createElement('span');
      hex.className = 'hex-bytes';
      const ascii = document.createElement('span');
      ascii.className = 'hex-ascii';
      for (let i = line; i < Math.min(line + BYTES_PER_LINE, bytes.length); i++) {
        const b = bytes[i];
        const h = document.createElement('span');
        h.textContent = hex2(b);
        const a = document.createElement('span');
        a.textContent = b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
        hex.append(h);
        ascii.append(a);
        this.byteEls[i] = [h, a];
      }
      row.append(offset, hex, ascii);
      frag.append(row);
    }
    this.hexEl.append(frag);
  }

  /** Marks `label` selected and highlights its bytes in the dump. */
  selectField(label) {
    this.selectedField?.classList.remove('selected');
    this.selectedField = label;
    label.classList.add('selected');
    for (const el of this.highlighted) el.classList.remove('hl');
    this.highlighted = [];
    const offset = Number(label.dataset.offset);
    const end = Math.min(this.byteEls.length, offset + Number(label.dataset.length));
    for (let i = offset; i < end; i++) {
      for (const el of this.byteEls[i]) {
        el.classList.add('hl');
        this.highlighted.push(el);
      }
    }
    this.byteEls[offset]?.[0].scrollIntoView({ block: 'nearest' });
  }
}
