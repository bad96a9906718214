// Hand-built captures for the browser tests: Ethernet/IPv4 frames with UDP (DNS) and TCP
// conversations (handshake, data, teardown), HTTP and a TLS ClientHello with SNI, written as a
// classic pcap. Checksums are left zero (nothing here validates them).

/** Ethernet + IPv4 header around `payload` for IP protocol `proto`. */
function ipv4(src, dst, proto, payload) {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + payload.length, 2);
  ip.writeUInt16BE(0x4000, 6);
  ip[8] = 64;
  ip[9] = proto;
  src.split('.').forEach((o, k) => { ip[12 + k] = Number(o); });
  dst.split('.').forEach((o, k) => { ip[16 + k] = Number(o); });
  const eth = Buffer.from('020000000002020000000001' + '0800', 'hex');
  return Buffer.concat([eth, ip, payload]);
}

function udp(sport, dport, payload) {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

function tcp(sport, dport, seq, ack, flags, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h[12] = 5 << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, payload]);
}

const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;

/** DNS name in wire format: labels as given (any bytes, each ≤ 63). */
function dnsName(labels) {
  return Buffer.concat([...labels.map((l) => {
    const b = Buffer.from(l, 'latin1');
    return Buffer.concat([Buffer.from([b.length]), b]);
  }), Buffer.from([0])]);
}

/** A DNS query for `labels` (type A) and its response with a CNAME to `cname` and an A record. */
export function dnsExchange(id, labels, cname) {
  const qname = dnsName(labels);
  const question = Buffer.concat([qname, Buffer.from('00010001', 'hex')]);
  const query = Buffer.concat([Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), question]);
  const target = dnsName(cname);
  const cnameRr = Buffer.concat([Buffer.from('c00c00050001000003c0', 'hex'), Buffer.from([target.length >> 8, target.length & 255]), target]);
  const aRr = Buffer.concat([Buffer.from('c00c000100010000003c0004', 'hex'), Buffer.from([192, 0, 2, 7])]);
  const response = Buffer.concat([Buffer.from([id >> 8, id & 255, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0]), question, cnameRr, aRr]);
  return { query, response };
}

/** A TLS 1.2-style ClientHello record carrying SNI `serverName` and ALPN `alpn`. */
export function clientHello(serverName, alpn = 'h2') {
  const name = Buffer.from(serverName, 'latin1');
  const sniList = Buffer.concat([Buffer.from([0, name.length >> 8, name.length & 255]), name]);
  const sni = Buffer.concat([Buffer.from([0, 0, (sniList.length + 2) >> 8, (sniList.length + 2) & 255,
    sniList.length >> 8, sniList.length & 255]), sniList]);
  const proto = Buffer.from(alpn, 'latin1');
  const alpnList = Buffer.concat([Buffer.from([proto.length]), proto]);
  const alpnExt = Buffer.concat([Buffer.from([0, 16, 0, alpnList.length + 2, 0, alpnList.length]), alpnList]);
  const extensions = Buffer.concat([sni, alpnExt]);
  const body = Buffer.concat([
    Buffer.from([3, 3]), Buffer.alloc(32, 7), Buffer.from([0]),   // version, random, no session id
    Buffer.from([0, 4, 0x13, 0x01, 0xc0, 0x2f]), Buffer.from([1, 0]),  // ciphers, compression
    Buffer.from([extensions.length >> 8, extensions.length & 255]), extensions,
  ]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 255]), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1, hs.length >> 8, hs.length & 255]), hs]);
}

/**
 * Frames of one TCP conversation: handshake, `client` then `server` payload (one segment
 * each), FIN from both sides.
 */
export function tcpConversation(c, s, cport, sport, client, server) {
  let cs = 1000;
  let ss = 5000;
  const out = [];
  out.push(ipv4(c, s, 6, tcp(cport, sport, cs, 0, SYN)));
  out.push(ipv4(s, c, 6, tcp(sport, cport, ss, cs + 1, SYN | ACK)));
  cs++; ss++;
  out.push(ipv4(c, s, 6, tcp(cport, sport, cs, ss, ACK)));
  out.push(ipv4(c, s, 6, tcp(cport, sport, cs, ss, PSH | ACK, client)));
  cs += client.length;
  if (server.length) {
    out.push(ipv4(s, c, 6, tcp(sport, cport, ss, cs, PSH | ACK, server)));
    ss += server.length;
  }
  out.push(ipv4(c, s, 6, tcp(cport, sport, cs, ss, FIN | ACK)));
  out.push(ipv4(s, c, 6, tcp(sport, cport, ss, cs + 1, FIN | ACK)));
  out.push(ipv4(c, s, 6, tcp(cport, sport, cs + 1, ss + 1, ACK)));
  return out;
}

export const udpFrame = (src, dst, sport, dport, payload) => ipv4(src, dst, 17, udp(sport, dport, payload));

/** A classic pcap (µs, Ethernet) of `frames`, 10 ms apart from 1700000000. */
export function pcapOf(frames) {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const parts = [header];
  frames.forEach((frame, i) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1700000000 + Math.floor(i / 100), 0);
    rec.writeUInt32LE((i % 100) * 10000, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    parts.push(rec, frame);
  });
  return Buffer.concat(parts);
}
