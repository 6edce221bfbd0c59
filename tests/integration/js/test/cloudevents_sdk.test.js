// CloudEvents produced by the official CloudEvents JavaScript SDK (npm `cloudevents`, its MQTT
// binding) and published with MQTT.js, against Accord's CloudEvents enforcement (node --test).
// One broker for the file, configured with two [[policies]] tables:
//   sdk-v5     on sdk/v5/#   action reject:       MQTT 5, binary and structured content mode
//   sdk-legacy on sdk/v311/# action dead-letter:  MQTT 3.1.1, structured content mode
// both requiring CloudEvents and validating `data` against the JSON schema registered (through the
// admin API's Confluent endpoints) under the event type. Valid SDK events must be acknowledged
// with reason 0 and delivered byte-identical; an SDK event whose data breaks the schema must be
// refused with 0x99 (MQTT 5) or dead-lettered (3.1.1); the /metrics counters must follow.
// Under mosquitto there is no enforcement and the test skips.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const mqtt = require('mqtt')
const { CloudEvent, MQTT } = require('cloudevents')
const { startBroker, kind } = require('../broker')

const TIMEOUT = 5000
const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'
const TYPE = 'com.example.sdk.reading'
const SOURCE = '/accord/it/cloudevents-sdk'
const DLQ_TOPIC = 'dlq/sdk'
const V5_POLICY = 'sdk-v5'
const LEGACY_POLICY = 'sdk-legacy'

const SCHEMA = JSON.stringify({
  type: 'object',
  properties: {
    temperature: { type: 'number', minimum: -40, maximum: 85 },
    unit: { enum: ['C', 'F'] }
  },
  required: ['temperature', 'unit'],
  additionalProperties: false
})

const CONFIG = `
[[policies]]
name = "${V5_POLICY}"
topic_filter = "sdk/v5/#"
require_cloudevents = true
validate_data = true
subject_strategy = "type"
action = "reject"

[[policies]]
name = "${LEGACY_POLICY}"
topic_filter = "sdk/v311/#"
require_cloudevents = true
validate_data = true
subject_strategy = "type"
action = "dead-letter"
dead_letter_topic = "${DLQ_TOPIC}"
`

// ---- the SDK side ------------------------------------------------------------------------------

function sdkEvent (data, subject) {
  // The SDK validates the event on construction (strict mode): it is a well-formed CloudEvent
  // whatever its data, the schema is the only thing the invalid ones break.
  return new CloudEvent({ type: TYPE, source: SOURCE, subject, datacontenttype: 'application/json', data })
}

// What an application does with the SDK's MQTTMessage to hand it to MQTT.js: the body (the
// event's data in binary mode, the whole event in structured mode) is a JS object, sent as its
// JSON text; "User Properties" become MQTT 5 user properties, PUBLISH["Content Type"] the Content
// Type property. The SDK leaves unset optional attributes in the headers as `undefined`, which
// MQTT.js cannot encode (it throws), so those entries are left out.
function toPublish (message) {
  const body = message.payload
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
  const userProperties = {}
  for (const [name, value] of Object.entries(message['User Properties'] || {})) {
    if (value === undefined) continue
    assert.equal(typeof value, 'string', `SDK header ${name} is a string`)
    userProperties[name] = value
  }
  const properties = {}
  const contentType = message.PUBLISH && message.PUBLISH['Content Type']
  if (contentType !== undefined) properties.contentType = contentType
  if (Object.keys(userProperties).length > 0) properties.userProperties = userProperties
  return { payload, properties }
}

// The SDK's own reading of a delivered message must give back the event that was sent. A message
// published over MQTT 3.1.1 carries no content type: the receiver knows the topic holds structured
// events and says so (contentType).
function assertSameEvent (delivered, event, contentType) {
  const props = delivered.packet.properties || {}
  const back = MQTT.toEvent({
    body: JSON.parse(delivered.payload.toString('utf8')),
    headers: props.userProperties || {},
    PUBLISH: { 'Content Type': contentType || props.contentType }
  })
  assert.deepEqual(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(event)),
    'MQTT.toEvent of the delivered message is the event sent')
}

// ---- MQTT.js helpers ---------------------------------------------------------------------------

// Publishes and resolves with { err, ack }: the PUBACK packet itself (MQTT.js reports a reason code
// >= 0x80 as an error and keeps the PUBACK only on that path, so acks are also caught as received).
function publishAck (client, topic, payload, opts) {
  return new Promise((resolve, reject) => {
    const acks = new Map()
    const onPacket = (p) => { if (p.cmd === 'puback') acks.set(p.messageId, p) }
    const done = () => { clearTimeout(timer); client.removeListener('packetreceive', onPacket) }
    const timer = setTimeout(() => { done(); reject(new Error(`no PUBACK for ${topic} within ${TIMEOUT} ms`)) }, TIMEOUT)
    client.on('packetreceive', onPacket)
    client.publish(topic, payload, opts, (err, packet) => {
      done()
      const ack = packet && packet.cmd === 'puback' ? packet : packet && acks.get(packet.messageId)
      if (!ack) { reject(err || new Error(`PUBACK for ${topic} not seen`)); return }
      resolve({ err, ack })
    })
  })
}

// Records every message a client receives; next() takes them in order.
function inbox (client, name) {
  const queue = []
  let wake = null
  client.on('message', (topic, payload, packet) => {
    queue.push({ topic, payload: Buffer.from(payload), packet })
    if (wake) wake()
  })
  return {
    async next (timeout = TIMEOUT) {
      const deadline = Date.now() + timeout
      while (queue.length === 0) {
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`${name}: timed out waiting for a message`)
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, left)
          wake = () => { clearTimeout(timer); wake = null; resolve() }
        })
      }
      return queue.shift()
    },
    assertEmpty (why) {
      assert.deepEqual(queue.map((m) => `${m.topic}: ${m.payload.toString('utf8')}`), [], `${name}: ${why}`)
    }
  }
}

function userPropertyEntries (packet) {
  const up = (packet.properties && packet.properties.userProperties) || {}
  return Object.entries(up).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, x]))
}

// ---- admin API ---------------------------------------------------------------------------------

async function registerSchema (broker, subject, schema) {
  const res = await fetch(`${broker.adminUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'Content-Type': REGISTRY_CONTENT_TYPE },
    body: JSON.stringify({ schemaType: 'JSON', schema }),
    signal: AbortSignal.timeout(10000)
  })
  const text = await res.text()
  assert.equal(res.status, 200, `register ${subject}: ${text}`)
  const { id } = JSON.parse(text)
  assert.ok(Number.isInteger(id) && id > 0, text)
  return id
}

// Prometheus text format -> [{ name, labels, value }].
async function scrape (broker) {
  const res = await fetch(`${broker.adminUrl}/metrics`, { signal: AbortSignal.timeout(10000) })
  const text = await res.text()
  assert.equal(res.status, 200, `GET /metrics: ${text}`)
  const samples = []
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (!m) continue
    const labels = {}
    for (const l of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2]
    samples.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return samples
}

// The sum of the series of `name` whose labels include `labels` (absent series count 0).
function total (samples, name, labels = {}) {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0)
}

// Asserts how much each counter moved between two scrapes: expected is [[name, labels, delta]].
function assertDeltas (before, after, expected) {
  for (const [name, labels, delta] of expected) {
    assert.equal(total(after, name, labels) - total(before, name, labels), delta,
      `${name}${JSON.stringify(labels)} moved by ${delta}`)
  }
}

const EVALUATED = 'accord_enforcement_evaluated_total'
const ACCEPTED = 'accord_enforcement_accepted_total'
const FAILED = 'accord_enforcement_failed_total'
const ACTIONS = 'accord_enforcement_actions_total'

// ---- the test ----------------------------------------------------------------------------------

test('CloudEvents JS SDK events through Accord enforcement', async (t) => {
  if (kind !== 'accord') { t.skip('CloudEvents enforcement is Accord\'s'); return }
  const broker = await startBroker({}, { config: CONFIG })
  assert.ok(broker.adminUrl, 'the broker wrote no "ADDR PORT admin" line to its port file')
  const clients = []
  const connect = async (opts) => {
    const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: TIMEOUT, ...opts })
    clients.push(c)
    return c
  }
  let failed = false
  const step = (name, fn) => t.test(name, async () => {
    try { await fn() } catch (err) { failed = true; throw err }
  })
  try {
    const schemaId = await registerSchema(broker, TYPE, SCHEMA)

    // Subscribers: MQTT 5 on everything under sdk/ and on the dead-letter topic, MQTT 3.1.1 on
    // the legacy topics.
    const sub = await connect({ protocolVersion: 5, clientId: 'ce-sdk-sub' })
    await sub.subscribeAsync('sdk/#', { qos: 1 })
    const dlqSub = await connect({ protocolVersion: 5, clientId: 'ce-sdk-dlq' })
    await dlqSub.subscribeAsync(DLQ_TOPIC, { qos: 1 })
    const legacySub = await connect({ protocolVersion: 4, clientId: 'ce-sdk-sub311' })
    await legacySub.subscribeAsync('sdk/v311/#', { qos: 1 })
    const inSub = inbox(sub, 'sdk/# subscriber')
    const inDlq = inbox(dlqSub, 'dead-letter subscriber')
    const inLegacy = inbox(legacySub, '3.1.1 subscriber')
    const pub5 = await connect({ protocolVersion: 5, clientId: 'ce-sdk-pub5' })
    const pub311 = await connect({ protocolVersion: 4, clientId: 'ce-sdk-pub311' })

    // MQTT 5: the invalid event is refused with 0x99 and a reason naming the field, then the valid
    // one is acknowledged with 0 and is the next (only) message the subscriber sees, unchanged.
    for (const mode of ['binary', 'structured']) {
      await step(`MQTT 5 ${mode} mode: valid accepted unchanged, invalid data refused with 0x99`, async () => {
        const topic = `sdk/v5/${mode}`
        const before = await scrape(broker)

        const bad = toPublish(MQTT[mode](sdkEvent({ temperature: 99, unit: 'C' }, `${mode}-bad`)))
        const refused = await publishAck(pub5, topic, bad.payload, { qos: 1, properties: bad.properties })
        assert.equal(refused.ack.reasonCode, 0x99, `PUBACK reason ${refused.ack.reasonCode}, reason string ` +
          `'${refused.ack.properties && refused.ack.properties.reasonString}'`)
        assert.ok(refused.err, 'MQTT.js reports the refusal to the publisher')
        const reason = refused.ack.properties && refused.ack.properties.reasonString
        assert.match(reason || '', /temperature/, 'the reason string names the offending field')

        const event = sdkEvent({ temperature: 21.5, unit: 'C' }, `${mode}-ok`)
        const sent = toPublish(MQTT[mode](event))
        if (mode === 'binary') {
          assert.equal(sent.properties.contentType, 'application/json')
          assert.equal(sent.properties.userProperties.specversion, '1.0')
          assert.equal(sent.properties.userProperties.type, TYPE)
        } else {
          assert.match(sent.properties.contentType, /^application\/cloudevents\+json/)
          assert.equal(sent.properties.userProperties, undefined)
        }
        const accepted = await publishAck(pub5, topic, sent.payload, { qos: 1, properties: sent.properties })
        assert.ok(!accepted.err, `publish error: ${accepted.err && accepted.err.message}; reason string ` +
          `'${accepted.ack.properties && accepted.ack.properties.reasonString}'`)
        assert.equal(accepted.ack.reasonCode, 0)

        const got = await inSub.next()
        assert.equal(got.topic, topic)
        assert.equal(got.packet.qos, 1)
        assert.ok(got.payload.equals(sent.payload), `payload unchanged:\n  sent ${sent.payload}\n  got  ${got.payload}`)
        const props = got.packet.properties || {}
        assert.equal(props.contentType, sent.properties.contentType)
        assert.deepEqual(userPropertyEntries(got.packet), Object.entries(sent.properties.userProperties || {}),
          'user properties unchanged, in order')
        assertSameEvent(got, event)

        // The refused event reached nobody and nothing was dead-lettered by a reject policy.
        await new Promise((resolve) => setTimeout(resolve, 200))
        inSub.assertEmpty('only the valid event is delivered')
        inDlq.assertEmpty('a reject policy does not dead-letter')

        assertDeltas(before, await scrape(broker), [
          [EVALUATED, { policy: V5_POLICY, subject: TYPE }, 2],
          [ACCEPTED, { policy: V5_POLICY, subject: TYPE }, 1],
          [FAILED, { policy: V5_POLICY, subject: TYPE, reason: 'data_invalid' }, 1],
          [FAILED, { policy: V5_POLICY }, 1],
          [ACTIONS, { policy: V5_POLICY, action: 'rejected' }, 1],
          [ACTIONS, { policy: LEGACY_POLICY }, 0]
        ])
      })
    }

    // Control: the binary-mode acceptance rests on the SDK's user properties. The same data and
    // content type without them is not a CloudEvent and is refused.
    await step('MQTT 5 binary mode without the SDK\'s user properties is refused', async () => {
      const before = await scrape(broker)
      const plain = toPublish(MQTT.binary(sdkEvent({ temperature: 21.5, unit: 'C' }, 'plain')))
      delete plain.properties.userProperties
      const refused = await publishAck(pub5, 'sdk/v5/binary', plain.payload, { qos: 1, properties: plain.properties })
      assert.equal(refused.ack.reasonCode, 0x99)
      await new Promise((resolve) => setTimeout(resolve, 200))
      inSub.assertEmpty('a refused publish is delivered to nobody')
      assertDeltas(before, await scrape(broker), [
        [EVALUATED, { policy: V5_POLICY }, 1],
        [ACCEPTED, { policy: V5_POLICY }, 0],
        [FAILED, { policy: V5_POLICY, reason: 'not_cloudevent' }, 1],
        [ACTIONS, { policy: V5_POLICY, action: 'rejected' }, 1]
      ])
    })

    // MQTT 3.1.1 (structured mode only: no properties): the invalid event gets a normal PUBACK,
    // is withheld from the original topic and appears on the dead-letter topic with the accord-*
    // user properties; the valid one is delivered unchanged.
    await step('MQTT 3.1.1 structured mode: valid delivered, invalid dead-lettered', async () => {
      const topic = 'sdk/v311/structured'
      const before = await scrape(broker)

      const bad = toPublish(MQTT.structured(sdkEvent({ temperature: 99, unit: 'C' }, 'legacy-bad')))
      const deadLettered = await publishAck(pub311, topic, bad.payload, { qos: 1 })
      assert.ok(!deadLettered.err, 'a dead-lettered publish is acknowledged normally')

      const event = sdkEvent({ temperature: -3.5, unit: 'F' }, 'legacy-ok')
      const sent = toPublish(MQTT.structured(event))
      const accepted = await publishAck(pub311, topic, sent.payload, { qos: 1 })
      assert.ok(!accepted.err, `publish error: ${accepted.err && accepted.err.message}`)

      for (const [box, v5] of [[inSub, true], [inLegacy, false]]) {
        const got = await box.next()
        assert.equal(got.topic, topic)
        assert.ok(got.payload.equals(sent.payload), `payload unchanged:\n  sent ${sent.payload}\n  got  ${got.payload}`)
        if (v5) {
          assert.deepEqual(userPropertyEntries(got.packet), [], 'no user properties added to a valid event')
          assert.equal(got.packet.properties && got.packet.properties.contentType, undefined)
        }
        assertSameEvent(got, event, MQTT.structured(event).PUBLISH['Content Type'])
      }

      const dead = await inDlq.next()
      assert.equal(dead.topic, DLQ_TOPIC)
      assert.ok(dead.payload.equals(bad.payload), `dead-lettered payload unchanged:\n  sent ${bad.payload}\n  got  ${dead.payload}`)
      assert.equal(dead.packet.qos, 1, 'same QoS')
      assert.equal(dead.packet.retain, false, 'not retained')
      const entries = userPropertyEntries(dead.packet)
      const one = (name) => {
        const values = entries.filter(([k]) => k === name).map(([, v]) => v)
        assert.equal(values.length, 1, `one ${name} user property in ${JSON.stringify(entries)}`)
        return values[0]
      }
      assert.equal(one('accord-original-topic'), topic)
      assert.equal(one('accord-client-id'), 'ce-sdk-pub311')
      assert.equal(one('accord-policy'), LEGACY_POLICY)
      assert.equal(one('accord-schema'), `${TYPE}/1/${schemaId}`)
      const errors = entries.filter(([k]) => k === 'accord-error').map(([, v]) => v)
      assert.ok(errors.length >= 1, `accord-error user properties in ${JSON.stringify(entries)}`)
      assert.ok(errors.some((e) => /temperature/.test(e)), `an accord-error names the field: ${JSON.stringify(errors)}`)
      assert.deepEqual([...new Set(entries.map(([k]) => k))].sort(),
        ['accord-client-id', 'accord-error', 'accord-original-topic', 'accord-policy', 'accord-schema'],
        'a 3.1.1 publish has no properties of its own: only the accord-* ones')

      await new Promise((resolve) => setTimeout(resolve, 200))
      inSub.assertEmpty('the invalid event does not reach subscribers of the original topic')
      inLegacy.assertEmpty('the invalid event does not reach subscribers of the original topic')
      inDlq.assertEmpty('one dead-lettered message')

      assertDeltas(before, await scrape(broker), [
        [EVALUATED, { policy: LEGACY_POLICY, subject: TYPE }, 2],
        [ACCEPTED, { policy: LEGACY_POLICY, subject: TYPE }, 1],
        [FAILED, { policy: LEGACY_POLICY, subject: TYPE, reason: 'data_invalid' }, 1],
        [FAILED, { policy: LEGACY_POLICY }, 1],
        [ACTIONS, { policy: LEGACY_POLICY, action: 'dead_lettered' }, 1],
        [ACTIONS, { policy: V5_POLICY }, 0]
      ])
    })

    // Totals over the whole run, from a fresh broker.
    await step('metrics totals per policy', async () => {
      const m = await scrape(broker)
      assert.equal(total(m, ACCEPTED, { policy: V5_POLICY }), 2)
      assert.equal(total(m, FAILED, { policy: V5_POLICY }), 3)
      assert.equal(total(m, EVALUATED, { policy: V5_POLICY }), 5)
      assert.equal(total(m, ACCEPTED, { policy: LEGACY_POLICY }), 1)
      assert.equal(total(m, FAILED, { policy: LEGACY_POLICY }), 1)
      assert.equal(total(m, EVALUATED, { policy: LEGACY_POLICY }), 2)
    })
  } catch (err) {
    failed = true
    throw err
  } finally {
    if (failed) console.error(`---- broker log (${broker.kind}) ----\n${broker.log()}\n---- end ----`)
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})))
    await broker.stop()
  }
})
