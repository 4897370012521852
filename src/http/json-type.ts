/**
 * The content-type of a JSON body we serialized ourselves (c.body with a cached string). One
 * object for every such answer: Hono passes a single-header object through as it is.
 */
export const JSON_TYPE: Readonly<Record<string, string>> = { 'content-type': 'application/json' };
