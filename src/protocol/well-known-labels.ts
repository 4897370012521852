/**
 * Labels the server gives on its own (not typed by a streamer). They are stored and sent as
 * these exact English strings, so older data and the API stay as they were; pages show them
 * in the user's language (client/shared/label-text.ts). A label a streamer typed is shown verbatim.
 */
export const FIRST_MODERATOR_LABEL = 'first moderator';
