// MQTT.js over WebSockets (ws://) and WebSockets over TLS (wss://, trusting a test CA made here
// with the openssl command line). Accord only: the listeners come from its configuration file.
'use strict'
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const http = require('node:http')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const mqtt = require('mqtt')
const { kind } = require('../broker')

const TIMEOUT = 5000
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function openssl (...args) {
  execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] })
}

// A CA and a server certificate for 127.0.0.1 in `dir`.
function makePki (dir) {
  const f = (name) => path.join(dir, name)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=JS Test CA')
  openssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=js-server')
  fs.writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-set_serial', '0x5151',
    '-out', f('server.crt'), '-days', '2', '-extfile', f('server.ext'))
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') }
}

// One broker for the file: a plain, a ws and a wss listener. Returns { ports, log(), stop() }.
async function startWsBroker () {
  const bin = process.env.ACCORD_BIN
  if (!bin || !fs.existsSync(bin)) throw new Error(`ACCORD_BIN not set or missing: '${bin}'`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-it-ws-'))
  const pki = makePki(dir)
  const listener = (extra) => `[[listeners]]\naddress = "127.0.0.1"\nport = 0\n${extra}\n`
  const config = listener('') +
    listener('protocol = "ws"\nws_path = "/mqtt"') +
    listener(`protocol = "ws"\ntls = true\ntls_cert_file = "${pki.cert}"\ntls_key_file = "${pki.key}"`)
  fs.writeFileSync(path.join(dir, 'accord.toml'), config)
  const logPath = path.join(dir, 'broker.log')
  const out = fs.openSync(logPath, 'a')
  const child = spawn(bin, ['--config', path.join(dir, 'accord.toml'), '--port-file', path.join(dir, 'port'),
    '--log-level', 'debug', '--set', 'admin.listen=127.0.0.1:0', '--set', `store.data_dir=${path.join(dir, 'data')}`],
  { stdio: ['ignore', out, out] })
  fs.closeSync(out)
  let exited = false
  child.on('exit', () => { exited = true })
  const log = () => { try { return fs.readFileSync(logPath, 'utf8') } catch { return '' } }
  const ports = {}
  const deadline = Date.now() + 10000
  while (Date.now() < deadline && !exited && !(ports.ws && ports.wss)) {
    try {
      // "ADDR PORT" for plain MQTT, "ADDR PORT ws" / "ADDR PORT wss" for the WebSocket listeners.
      for (const line of fs.readFileSync(path.join(dir, 'port'), 'utf8').split('\n')) {
        const m = /^(\S+) (\d+)(?: (\S+))?$/.exec(line)
        if (m) ports[m[3] || 'mqtt'] = Number(m[2])
      }
    } catch {}
    if (!(ports.ws && ports.wss)) await sleep(20)
  }
  const canConnect = (port) => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.on('connect', () => { s.destroy(); resolve(true) })
    s.on('error', () => resolve(false))
  })
  if (!(ports.ws && ports.wss) || !(await canConnect(ports.ws))) {
    if (!exited) child.kill('SIGKILL')
    throw new Error(`broker did not start. Log:\n${log()}`)
  }
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM')
      for (let i = 0; i < 250 && !exited; i++) await sleep(20)
      if (!exited) child.kill('SIGKILL')
    }
    if (!process.env.ACCORD_IT_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true })
  }
  return { ports, pki, log, stop }
}

function nextMessage (client, timeout = TIMEOUT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { client.removeListener('message', on); reject(new Error('no message')) }, timeout)
    const on = (topic, payload, packet) => {
      clearTimeout(timer)
      client.removeListener('message', on)
      resolve({ topic, payload: payload.toString(), qos: packet.qos })
    }
    client.on('message', on)
  })
}

// Rejects when `promise` neither resolves nor rejects in time.
function bounded (promise, ms = 2 * TIMEOUT) {
  let timer
  const late = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error('timed out')), ms) })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

let broker
before(async () => { if (kind === 'accord') broker = await startWsBroker() })
after(async () => { if (broker) await broker.stop() })

const cases = [
  { scheme: 'ws', version: 5 },
  { scheme: 'ws', version: 4 },
  { scheme: 'wss', version: 5 },
  { scheme: 'wss', version: 4 }
]

for (const { scheme, version } of cases) {
  test(`${scheme}:// round trip, QoS 0 and 1, MQTT ${version === 5 ? '5' : '3.1.1'}`, async (t) => {
    if (!broker) { t.skip('Accord only (listeners from its configuration file)'); return }
    const url = `${scheme}://127.0.0.1:${broker.ports[scheme]}/mqtt`
    const opts = { protocolVersion: version, reconnectPeriod: 0, connectTimeout: TIMEOUT, ca: fs.readFileSync(broker.pki.ca) }
    const clients = []
    try {
      const sub = await mqtt.connectAsync(url, { ...opts, clientId: `js-${scheme}-sub-${version}` })
      clients.push(sub)
      const pub = await mqtt.connectAsync(url, { ...opts, clientId: `js-${scheme}-pub-${version}` })
      clients.push(pub)
      const topic = `ws/${scheme}/${version}`
      await sub.subscribeAsync(topic, { qos: 1 })
      for (const qos of [0, 1]) {
        const got = nextMessage(sub)
        await pub.publishAsync(topic, `hello qos${qos}`, { qos })
        assert.deepEqual(await got, { topic, payload: `hello qos${qos}`, qos })
      }
      // And from a client on the plain TCP listener.
      const tcp = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.ports.mqtt}`,
        { protocolVersion: version, reconnectPeriod: 0, connectTimeout: TIMEOUT, clientId: `js-tcp-${scheme}-${version}` })
      clients.push(tcp)
      const got = nextMessage(sub)
      await tcp.publishAsync(topic, 'from tcp', { qos: 1 })
      assert.deepEqual(await got, { topic, payload: 'from tcp', qos: 1 })
    } catch (err) {
      console.error(`---- broker log ----\n${broker.log()}\n---- end ----`)
      throw err
    } finally {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})))
    }
  })
}

test('wss:// without trusting the test CA fails the TLS handshake', async (t) => {
  if (!broker) { t.skip('Accord only'); return }
  const url = `wss://127.0.0.1:${broker.ports.wss}/mqtt`
  await assert.rejects(bounded(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: TIMEOUT })),
    /self[- ]signed|unable to verify|certificate/i)
})

// The raw upgrade: the status code, and the subprotocol chosen (101) or nothing (otherwise).
function upgrade (port, urlPath, protocol) {
  return bounded(new Promise((resolve, reject) => {
    const headers = {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': Buffer.from('accord-test-key!').toString('base64')
    }
    if (protocol) headers['Sec-WebSocket-Protocol'] = protocol
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, headers })
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      resolve({ status: res.statusCode, protocol: res.headers['sec-websocket-protocol'] })
    })
    req.on('response', (res) => { res.resume(); resolve({ status: res.statusCode }) })
    req.on('error', reject)
    req.end()
  }))
}

test('the upgrade answers subprotocol mqtt on ws_path and 404 elsewhere', async (t) => {
  if (!broker) { t.skip('Accord only'); return }
  assert.deepEqual(await upgrade(broker.ports.ws, '/mqtt', 'mqtt'), { status: 101, protocol: 'mqtt' })
  assert.deepEqual(await upgrade(broker.ports.ws, '/not-mqtt', 'mqtt'), { status: 404 })
  assert.deepEqual(await upgrade(broker.ports.ws, '/mqtt', 'chat'), { status: 400 })
})
