// Starts the broker under test for one test file, the same way as the C++ fixture:
//   accord:    $ACCORD_BIN [--config DIR/accord.toml] --listen 127.0.0.1:0 --port-file DIR/port
//              --log-level debug [--set k=v]
//   mosquitto: ACCORD_TEST_BROKER=mosquitto, mosquitto -c DIR/mosquitto.conf on a free port.
'use strict'
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const MOSQUITTO_EQUIVALENTS = {
  'limits.max_packet_size': 'max_packet_size',
  'limits.max_inflight_out': 'max_inflight_messages',
  'limits.max_queued_messages': 'max_queued_messages',
  'limits.topic_alias_maximum': 'max_topic_alias',
  'limits.max_keep_alive': 'max_keepalive',
  'features.maximum_qos': 'max_qos'
}

const kind = process.env.ACCORD_TEST_BROKER === 'mosquitto' ? 'mosquitto' : 'accord'
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

function canConnect (port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.on('connect', () => { s.destroy(); resolve(true) })
    s.on('error', () => resolve(false))
  })
}

// settings: { 'limits.max_packet_size': 1024, ... }. options.config: the text of a TOML
// configuration file, written to the temp dir and passed with --config (the --set options still
// win over it). Returns { port, url, adminPort, adminUrl, stop(), log() } or null when mosquitto
// has no equivalent of a setting or of a config file (the caller skips).
async function startBroker (settings = {}, options = {}) {
  if (kind !== 'accord' && options.config !== undefined) return null
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-it-js-'))
  const logPath = path.join(dir, 'broker.log')
  let child
  let port
  let admin
  let exited = false
  const deadline = Date.now() + 10000
  const spawnLogged = (cmd, args) => {
    const out = fs.openSync(logPath, 'a')
    const c = spawn(cmd, args, { stdio: ['ignore', out, out] })
    fs.closeSync(out)
    exited = false
    c.on('exit', () => { exited = true })
    return c
  }
  if (kind === 'accord') {
    const bin = process.env.ACCORD_BIN
    if (!bin || !fs.existsSync(bin)) throw new Error(`ACCORD_BIN not set or missing: '${bin}'`)
    const args = []
    if (options.config !== undefined) {
      const configPath = path.join(dir, 'accord.toml')
      fs.writeFileSync(configPath, options.config)
      args.push('--config', configPath)
    }
    // The admin API on a free port: the default 8081 would clash between parallel tests.
    args.push('--listen', '127.0.0.1:0', '--port-file', path.join(dir, 'port'), '--log-level', 'debug',
      '--set', 'admin.listen=127.0.0.1:0', '--set', `store.data_dir=${path.join(dir, 'data')}`)
    for (const [k, v] of Object.entries(settings)) args.push('--set', `${k}=${v}`)
    child = spawnLogged(bin, args)
    while (Date.now() < deadline && !exited) {
      try {
        // The file is written whole (renamed into place): the MQTT line first, then one line
        // per further listener, "ADDR PORT admin" for the admin HTTP API.
        const text = fs.readFileSync(path.join(dir, 'port'), 'utf8')
        const m = /^(\S+) (\d+)/.exec(text)
        const a = /^(\S+) (\d+) admin$/m.exec(text)
        if (a) admin = { host: a[1], port: Number(a[2]) }
        if (m) { port = Number(m[2]); if (await canConnect(port)) break; port = undefined }
      } catch {}
      await sleep(20)
    }
  } else {
    for (const k of Object.keys(settings)) {
      if (!MOSQUITTO_EQUIVALENTS[k]) return null
    }
    for (let attempt = 0; attempt < 10 && !port && Date.now() < deadline; attempt++) {
      const p = await freePort()
      const conf = [`listener ${p} 127.0.0.1`, 'allow_anonymous true', 'persistence false',
        'log_dest stderr', 'log_type all',
        ...Object.entries(settings).map(([k, v]) => `${MOSQUITTO_EQUIVALENTS[k]} ${v}`)].join('\n') + '\n'
      fs.writeFileSync(path.join(dir, 'mosquitto.conf'), conf)
      child = spawnLogged('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')])
      while (Date.now() < deadline && !exited) {
        if (await canConnect(p)) { port = p; break }
        await sleep(20)
      }
    }
  }
  const log = () => { try { return fs.readFileSync(logPath, 'utf8') } catch { return '' } }
  if (!port) {
    if (child && !exited) child.kill('SIGKILL')
    const text = log()
    if (!process.env.ACCORD_IT_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true })
    throw new Error(`broker (${kind}) did not start. Log:\n${text}`)
  }
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM')
      for (let i = 0; i < 250 && !exited; i++) await sleep(20)
      if (!exited) child.kill('SIGKILL')
    }
    if (!process.env.ACCORD_IT_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true })
  }
  // adminPort/adminUrl: Accord's admin HTTP API (schema registry); undefined under mosquitto.
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    adminPort: admin && admin.port,
    adminUrl: admin && `http://${admin.host.includes(':') ? `[${admin.host}]` : admin.host}:${admin.port}`,
    stop,
    log,
    kind,
    pid: child.pid
  }
}

module.exports = { startBroker, kind }
