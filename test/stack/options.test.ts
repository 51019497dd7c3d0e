import { expect } from 'chai';
import { optionsFromEnv } from '../../stack/options';

describe('stack settings from the environment', () => {
  it('reads ports, profile and state directory, API_PORT before PORT', () => {
    const options = optionsFromEnv({
      API_PORT: '19000',
      PORT: '18000',
      PG_PORT: '19432',
      STACK_PROFILE: 'fast',
      STACK_DIR: '/tmp/x',
    });
    expect(options).to.deep.equal({ ports: { api: 19000, postgres: 19432 }, profile: 'fast', stateDir: '/tmp/x' });
  });

  it('falls back to PORT for the API', () => {
    expect(optionsFromEnv({ PORT: '18000' }).ports).to.deep.equal({ api: 18000 });
  });

  it('reads REPLICAS, and refuses a count that is not 1 to 9', () => {
    expect(optionsFromEnv({ REPLICAS: '3' }).replicas).to.equal(3);
    for (const bad of ['0', '10', '2.5', 'three'])
      expect(() => optionsFromEnv({ REPLICAS: bad }), bad).to.throw(`REPLICAS=${bad}`);
  });

  it('reports every invalid setting at once', () => {
    expect(() =>
      optionsFromEnv({ PROMETHEUS_PORT: '99999', STACK_PROFILE: 'slow', TELEGRAM_BOT_TOKEN: '1:a' }),
    ).to.throw(/PROMETHEUS_PORT=99999[\s\S]*STACK_PROFILE=slow[\s\S]*TELEGRAM_CHAT_ID/);
  });

  describe('Telegram', () => {
    it('is off when neither variable is set', () => {
      expect(optionsFromEnv({}).telegram).to.equal(undefined);
    });

    it("reads the token and a numeric chat id, with Alertmanager's default Bot API URL", () => {
      expect(
        optionsFromEnv({ TELEGRAM_BOT_TOKEN: '123456:ABC-def_ghi', TELEGRAM_CHAT_ID: '-100123' }).telegram,
      ).to.deep.equal({
        botToken: '123456:ABC-def_ghi',
        chatId: -100123,
        apiUrl: 'https://api.telegram.org',
      });
    });

    it('takes another Bot API base URL from TELEGRAM_API_URL, and refuses one that is not http(s)', () => {
      const env = { TELEGRAM_BOT_TOKEN: '123456:ABC', TELEGRAM_CHAT_ID: '1' };
      expect(optionsFromEnv({ ...env, TELEGRAM_API_URL: 'http://127.0.0.1:8081' }).telegram?.apiUrl).to.equal(
        'http://127.0.0.1:8081',
      );
      expect(() => optionsFromEnv({ ...env, TELEGRAM_API_URL: "ftp://x'" })).to.throw(/TELEGRAM_API_URL/);
    });

    it('refuses a chat id that is not a number and a token that could break the YAML', () => {
      expect(() => optionsFromEnv({ TELEGRAM_BOT_TOKEN: '123456:ABC', TELEGRAM_CHAT_ID: '@channel' })).to.throw(
        /must be a number/,
      );
      expect(() => optionsFromEnv({ TELEGRAM_BOT_TOKEN: "1:a'\nx: y", TELEGRAM_CHAT_ID: '1' })).to.throw(/bot token/);
    });
  });
});
