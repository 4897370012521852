import type { Principal } from './access/principal.ts';

/** Per-request values the middleware sets for the handlers. */
export type AppEnv = {
  Variables: {
    principal: Principal;
    clientIp: string;
    /** How the caller proved who they are; cookie-borne credentials get CSRF checks. */
    credential: 'streamer-token' | 'streamer-cookie' | 'session-cookie' | 'session-bearer' | 'session-query' | 'view-token' | 'public-room';
  };
};
