// MQTT.js against the broker under test (node --test). Each test starts its own broker.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const mqtt = require('mqtt')
const { startBroker, kind } = require('../broker')

const TIMEOUT = 5000

// Runs fn(broker) with a fresh broker; prints the broker log when fn throws.
async function withBroker (t, settings, fn) {
  const broker = await startBroker(settings)
  if (!broker) { t.skip(`mosquitto has no equivalent of ${Object.keys(settings).join(', ')}`); return }
  const clients = []
  const connect = async (opts) => {
    const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: TIMEOUT, ...opts })
    clients.push(c)
    return c
  }
  try {
    await fn({ broker, connect })
  } catch (err) {
    console.error(`---- broker log (${broker.kind}) ----\n${broker.log()}\n---- end ----`)
    throw err
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})))
    await broker.stop()
  }
}

// Resolves with the next `n` messages as { topic, payload, packet }; rejects after timeout.
function nextMessages (client, n = 1, timeout = TIMEOUT) {
  return new Promise((resolve, reject) => {
    const got = []
    const timer = setTimeout(() => {
      client.removeListener('message', on)
      reject(new Error(`timed out with ${got.length}/${n} messages`))
    }, timeout)
    const on = (topic, payload, packet) => {
      got.push({ topic, payload: payload.toString(), packet })
      if (got.length === n) { clearTimeout(timer); client.removeListener('message', on); resolve(got) }
    }
    client.on('message', on)
  })
}

// Resolves with the messages received during `ms`.
function collect (client, ms) {
  return new Promise((resolve) => {
    const got = []
    const on = (topic, payload, packet) => got.push({ topic, payload: payload.toString(), packet })
    client.on('message', on)
    setTimeout(() => { client.removeListener('message', on); resolve(got) }, ms)
  })
}

test('v5 round trip with properties passed through', async (t) => {
  await withBroker(t, {}, async ({ connect }) => {
    const sub = await connect({ protocolVersion: 5, clientId: 'js-sub' })
    const pub = await connect({ protocolVersion: 5, clientId: 'js-pub' })
    await sub.subscribeAsync('js/props', { qos: 1 })
    const wait = nextMessages(sub)
    await pub.publishAsync('js/props', 'hello', {
      qos: 1,
      properties: {
        payloadFormatIndicator: true,
        contentType: 'text/plain',
        responseTopic: 'js/reply',
        correlationData: Buffer.from([1, 2, 3]),
        userProperties: { a: '1', b: ['x', 'y'] }
      }
    })
    const [m] = await wait
    assert.equal(m.topic, 'js/props')
    assert.equal(m.payload, 'hello')
    const p = m.packet.properties
    assert.equal(p.payloadFormatIndicator, true)
    assert.equal(p.contentType, 'text/plain')
    assert.equal(p.responseTopic, 'js/reply')
    assert.deepEqual([...p.correlationData], [1, 2, 3])
    assert.deepEqual({ ...p.userProperties }, { a: '1', b: ['x', 'y'] })
  })
})

test('v3.1.1 QoS 0/1/2 and retained', async (t) => {
  await withBroker(t, {}, async ({ connect }) => {
    const pub = await connect({ protocolVersion: 4, clientId: 'js311-pub' })
    await pub.publishAsync('js311/retained', 'kept', { qos: 1, retain: true })
    const sub = await connect({ protocolVersion: 4, clientId: 'js311-sub' })
    const retained = nextMessages(sub)
    const granted = await sub.subscribeAsync('js311/#', { qos: 2 })
    assert.equal(granted[0].qos, 2)
    const [r] = await retained
    assert.equal(r.payload, 'kept')
    assert.equal(r.packet.retain, true)
    const wait = nextMessages(sub, 3)
    for (const qos of [0, 1, 2]) await pub.publishAsync(`js311/q${qos}`, `m${qos}`, { qos })
    const got = await wait
    assert.deepEqual(got.map((m) => [m.topic, m.payload, m.packet.qos]),
      [['js311/q0', 'm0', 0], ['js311/q1', 'm1', 1], ['js311/q2', 'm2', 2]])
  })
})

test('topic alias client to broker', async (t) => {
  await withBroker(t, {}, async ({ connect }) => {
    const sub = await connect({ protocolVersion: 5, clientId: 'jsta-sub' })
    await sub.subscribeAsync('jsta/#', { qos: 0 })
    const pub = await connect({ protocolVersion: 5, clientId: 'jsta-pub' })
    const wait = nextMessages(sub, 3)
    await pub.publishAsync('jsta/a/long/topic', 'one', { properties: { topicAlias: 1 } })
    await pub.publishAsync('', 'two', { properties: { topicAlias: 1 } })
    await pub.publishAsync('jsta/a/long/topic', 'three', { properties: { topicAlias: 1 } })
    const got = await wait
    assert.deepEqual(got.map((m) => [m.topic, m.payload]),
      [['jsta/a/long/topic', 'one'], ['jsta/a/long/topic', 'two'], ['jsta/a/long/topic', 'three']])
  })
})

test('topic alias broker to client (topicAliasMaximum set by the client)', async (t) => {
  await withBroker(t, {}, async ({ connect }) => {
    const sub = await connect({ protocolVersion: 5, clientId: 'jstb-sub', properties: { topicAliasMaximum: 10 } })
    await sub.subscribeAsync('jstb/#', { qos: 1 })
    const pub = await connect({ protocolVersion: 5, clientId: 'jstb-pub' })
    const wait = nextMessages(sub, 4)
    for (let i = 0; i < 4; i++) await pub.publishAsync('jstb/some/long/topic/name', `m${i}`, { qos: 1 })
    const got = await wait
    for (const [i, m] of got.entries()) {
      assert.equal(m.topic, 'jstb/some/long/topic/name', 'aliases resolved to the full topic')
      assert.equal(m.payload, `m${i}`)
      const alias = m.packet.properties && m.packet.properties.topicAlias
      if (alias !== undefined) assert.ok(alias >= 1 && alias <= 10, `alias ${alias} within the maximum`)
    }
    if (kind === 'accord') {
      assert.ok(got.some((m) => m.packet.properties && m.packet.properties.topicAlias !== undefined),
        'accord uses topic aliases towards a client that allows them')
    }
  })
})

test('shared subscription: each message to exactly one member', async (t) => {
  await withBroker(t, {}, async ({ connect }) => {
    const a = await connect({ protocolVersion: 5, clientId: 'jssh-a' })
    const b = await connect({ protocolVersion: 5, clientId: 'jssh-b' })
    await a.subscribeAsync('$share/grp/jssh/t', { qos: 1 })
    await b.subscribeAsync('$share/grp/jssh/t', { qos: 1 })
    const pub = await connect({ protocolVersion: 5, clientId: 'jssh-pub' })
    const ga = collect(a, 1500)
    const gb = collect(b, 1500)
    for (let i = 0; i < 20; i++) await pub.publishAsync('jssh/t', String(i), { qos: 1 })
    const [ma, mb] = await Promise.all([ga, gb])
    const all = [...ma, ...mb].map((m) => Number(m.payload)).sort((x, y) => x - y)
    assert.deepEqual(all, [...Array(20).keys()], 'every message exactly once across the group')
    assert.ok(ma.length > 0 && mb.length > 0, `distributed (${ma.length}/${mb.length})`)
  })
})

test('CONNACK properties, session present and receive maximum', async (t) => {
  await withBroker(t, {}, async ({ broker }) => {
    const connectOnce = (opts) => new Promise((resolve, reject) => {
      const c = mqtt.connect(broker.url, { reconnectPeriod: 0, connectTimeout: TIMEOUT, ...opts })
      c.once('connect', (connack) => resolve({ c, connack }))
      c.once('error', reject)
    })
    const opts = { protocolVersion: 5, clientId: 'jssp', clean: false, properties: { sessionExpiryInterval: 60, receiveMaximum: 5 } }
    const first = await connectOnce(opts)
    assert.equal(first.connack.sessionPresent, false)
    await first.c.subscribeAsync('jssp/t', { qos: 1 })
    await first.c.endAsync()
    const second = await connectOnce(opts)
    assert.equal(second.connack.sessionPresent, true)
    const rm = second.connack.properties && second.connack.properties.receiveMaximum
    if (rm !== undefined) assert.ok(rm >= 1)
    await second.c.endAsync()
  })
})

test('will message on connection loss, not after a normal disconnect', async (t) => {
  await withBroker(t, {}, async ({ connect }) => {
    const watcher = await connect({ protocolVersion: 5, clientId: 'jsw-watch' })
    await watcher.subscribeAsync('jsw/#', { qos: 1 })
    const polite = await connect({ protocolVersion: 5, clientId: 'jsw-polite', will: { topic: 'jsw/polite', payload: 'x', qos: 1 } })
    await polite.endAsync()
    const wait = nextMessages(watcher)
    const rude = await connect({ protocolVersion: 5, clientId: 'jsw-rude', will: { topic: 'jsw/rude', payload: 'gone', qos: 1 } })
    rude.stream.destroy()
    const [m] = await wait
    assert.equal(m.topic, 'jsw/rude', 'only the dropped client\'s will is published')
    assert.equal(m.payload, 'gone')
  })
})

test('broker maximum packet size is advertised', async (t) => {
  await withBroker(t, { 'limits.max_packet_size': 2048 }, async ({ broker }) => {
    const connack = await new Promise((resolve, reject) => {
      const c = mqtt.connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0, clientId: 'jsmps' })
      c.once('connect', (ack) => { c.end(true); resolve(ack) })
      c.once('error', reject)
    })
    assert.equal(connack.properties.maximumPacketSize, 2048)
  })
})
