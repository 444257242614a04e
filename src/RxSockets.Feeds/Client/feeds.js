// RxSockets feeds: the browser client of the feed protocol, version 1 (docs/feeds.md).
// A dependency-free ES module, served by FeedHub.ServeClientScriptAsync at /rxsockets/feeds.js.
//
//   import { FeedClient } from '/rxsockets/feeds.js';
//   const feed = new FeedClient(`ws://${location.host}/`);
//   const sensors = feed.subscribe('sensors');
//   sensors.addEventListener('data', e => draw(e.detail));           // { type, topic, seq, key, data }
//   for await (const item of feed.subscribe('alerts')) { ... }       // data items, and reset notices
//
// The client reconnects after any close it did not ask for, after a random delay between 0 and
// min(maxDelay, initialDelay * 2^attempt) ("full jitter"), and resubscribes every topic with the
// last sequence and epoch it saw, so the server sends exactly what was missed (or a reset).

/** The WebSocket subprotocol of version 1. */
export const PROTOCOL = 'rxsockets.feeds.v1';

/** Error codes after which a subscription is over (the server will not change its mind on a retry). */
const FINAL_ERRORS = new Set(['forbidden', 'unknown-topic', 'too-many-topics', 'bad-request', 'too-large']);

/**
 * A connection to a feed server that stays connected: it reconnects with exponential backoff and
 * jitter and resumes every subscription. Events: 'open', 'close' (detail: { code, reason,
 * reconnecting }), 'reconnecting' (detail: { attempt, delay }), 'error' (detail: an error envelope
 * that names no subscribed topic).
 */
export class FeedClient extends EventTarget {
  #url;
  #options;
  #socket = null;
  #subscriptions = new Map();
  #attempt = 0;
  #timer = null;
  #closed = false;

  /**
   * @param {string|URL} url the server's ws:// or wss:// address
   * @param {{initialDelay?: number, maxDelay?: number, random?: () => number, protocols?: string[]}} [options]
   *   delays in milliseconds (defaults 500 and 30000); random for tests
   */
  constructor(url, options = {}) {
    super();
    this.#url = url;
    this.#options = { initialDelay: 500, maxDelay: 30000, random: Math.random, protocols: [PROTOCOL], ...options };
    this.#connect();
  }

  /** Whether the connection is open now. */
  get connected() {
    return this.#socket !== null && this.#socket.readyState === WebSocket.OPEN;
  }

  /**
   * Subscribes to a topic (once: subscribing again returns the same subscription). It lasts across
   * reconnects until unsubscribe(), close(), or the server ends it.
   * @param {string} topic
   * @param {{history?: boolean}} [options] history: start with everything the topic still keeps
   *   (for a chart's recent past) instead of only its newest message (or newest per key)
   * @returns {FeedSubscription}
   */
  subscribe(topic, options = {}) {
    let subscription = this.#subscriptions.get(topic);
    if (!subscription) {
      subscription = new FeedSubscription(this, topic, options.history === true);
      this.#subscriptions.set(topic, subscription);
      if (this.connected) {
        this.#sendSubscribe(subscription);
      }
    }
    return subscription;
  }

  /** Unsubscribes from a topic; its subscription ends. */
  unsubscribe(topic) {
    const subscription = this.#subscriptions.get(topic);
    if (!subscription) {
      return;
    }
    this.#subscriptions.delete(topic);
    if (this.connected) {
      this.#send({ type: 'unsubscribe', topic });
    }
    subscription._end();
  }

  /** Closes for good (code 1000); every subscription ends. */
  close() {
    this.#closed = true;
    clearTimeout(this.#timer);
    if (this.#socket !== null) {
      this.#socket.close(1000);
    }
    for (const subscription of this.#subscriptions.values()) {
      subscription._end();
    }
    this.#subscriptions.clear();
  }

  #connect() {
    const socket = new WebSocket(this.#url, this.#options.protocols);
    this.#socket = socket;
    socket.onopen = () => {
      this.#attempt = 0;
      this.dispatchEvent(new Event('open'));
      for (const subscription of this.#subscriptions.values()) {
        this.#sendSubscribe(subscription);
      }
    };
    socket.onmessage = event => this.#receive(event.data);
    socket.onerror = () => {}; // a close event follows
    socket.onclose = event => {
      if (this.#socket !== socket) {
        return;
      }
      this.#socket = null;
      const reconnecting = !this.#closed;
      this.dispatchEvent(new CustomEvent('close', { detail: { code: event.code, reason: event.reason, reconnecting } }));
      if (reconnecting) {
        this.#scheduleReconnect();
      }
    };
  }

  #scheduleReconnect() {
    const { initialDelay, maxDelay, random } = this.#options;
    const delay = Math.floor(random() * Math.min(maxDelay, initialDelay * 2 ** this.#attempt));
    this.#attempt++;
    this.dispatchEvent(new CustomEvent('reconnecting', { detail: { attempt: this.#attempt, delay } }));
    this.#timer = setTimeout(() => {
      if (!this.#closed) {
        this.#connect();
      }
    }, delay);
  }

  #sendSubscribe(subscription) {
    const request = { type: 'subscribe', topic: subscription.topic };
    if (subscription.seq !== null && subscription.epoch !== null) {
      request.since = subscription.seq;
      request.epoch = subscription.epoch;
    } else if (subscription.history) {
      request.since = 0; // nothing yet: everything the topic keeps
    }
    this.#send(request);
  }

  #send(request) {
    this.#socket.send(JSON.stringify(request));
  }

  #receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return; // not for us
    }
    const subscription = typeof message.topic === 'string' ? this.#subscriptions.get(message.topic) : undefined;
    switch (message.type) {
      case 'subscribed':
        subscription?._subscribed(message);
        break;
      case 'data':
        subscription?._data(message);
        break;
      case 'reset':
        subscription?._reset(message);
        break;
      case 'unsubscribed':
        if (subscription) {
          this.#subscriptions.delete(subscription.topic);
          subscription._unsubscribed(message);
        }
        break;
      case 'error':
        if (subscription) {
          subscription._error(message);
          if (FINAL_ERRORS.has(message.code)) {
            this.#subscriptions.delete(subscription.topic);
            subscription._end();
          }
        } else {
          this.dispatchEvent(new CustomEvent('error', { detail: message }));
        }
        break;
      default:
        break; // a later version's message type: ignored
    }
  }
}

/**
 * One topic of a FeedClient: an EventTarget ('subscribed', 'data', 'reset', 'unsubscribed',
 * 'error', 'end'; detail holds the item or envelope) and an async iterable of items:
 * { type: 'data', topic, seq, key, data } and { type: 'reset', topic, reason }.
 */
export class FeedSubscription extends EventTarget {
  #client;
  #iterators = new Set();
  #ended = false;

  constructor(client, topic, history) {
    super();
    this.#client = client;
    /** The topic name. */
    this.topic = topic;
    /** Whether it starts with the topic's history rather than its newest message. */
    this.history = history;
    /** The last sequence received, or null before the first (and after a reset). */
    this.seq = null;
    /** The topic's epoch, from the server's 'subscribed'. */
    this.epoch = null;
    /** Messages received twice and dropped (never delivered twice; the server should send none). */
    this.duplicates = 0;
  }

  /** Whether the subscription has ended. */
  get ended() {
    return this.#ended;
  }

  /** Unsubscribes (same as client.unsubscribe(topic)). */
  unsubscribe() {
    this.#client.unsubscribe(this.topic);
  }

  [Symbol.asyncIterator]() {
    const iterator = { queue: [], waiting: null };
    this.#iterators.add(iterator);
    const finish = () => {
      this.#iterators.delete(iterator);
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        if (iterator.queue.length > 0) {
          return Promise.resolve({ value: iterator.queue.shift(), done: false });
        }
        if (this.#ended) {
          return finish();
        }
        return new Promise(resolve => { iterator.waiting = resolve; });
      },
      return: () => finish(), // break out of for await: stops buffering, keeps the subscription
    };
  }

  _subscribed(message) {
    this.epoch = message.epoch;
    this.dispatchEvent(new CustomEvent('subscribed', { detail: message }));
  }

  _data(message) {
    if (this.seq !== null && message.seq <= this.seq) {
      this.duplicates++;
      return;
    }
    this.seq = message.seq;
    const data = message.binary ? Uint8Array.from(atob(message.data), c => c.charCodeAt(0)) : message.data;
    const item = { type: 'data', topic: this.topic, seq: message.seq, key: message.key ?? null, data };
    this.#push(item);
    this.dispatchEvent(new CustomEvent('data', { detail: item }));
  }

  _reset(message) {
    this.seq = null; // what follows (the snapshot) starts the topic's state again
    if (message.epoch) {
      this.epoch = message.epoch; // the topic's epoch changed mid-subscription (a scale-out backplane lost its state)
    }
    const item = { type: 'reset', topic: this.topic, reason: message.reason };
    this.#push(item);
    this.dispatchEvent(new CustomEvent('reset', { detail: item }));
  }

  _unsubscribed(message) {
    this.dispatchEvent(new CustomEvent('unsubscribed', { detail: message }));
    this._end();
  }

  _error(message) {
    this.dispatchEvent(new CustomEvent('error', { detail: message }));
  }

  _end() {
    if (this.#ended) {
      return;
    }
    this.#ended = true;
    for (const iterator of this.#iterators) {
      if (iterator.queue.length === 0 && iterator.waiting) {
        iterator.waiting({ value: undefined, done: true });
        iterator.waiting = null;
      }
    }
    this.dispatchEvent(new Event('end'));
  }

  #push(item) {
    for (const iterator of this.#iterators) {
      if (iterator.waiting) {
        const resolve = iterator.waiting;
        iterator.waiting = null;
        resolve({ value: item, done: false });
      } else {
        iterator.queue.push(item);
      }
    }
  }
}
