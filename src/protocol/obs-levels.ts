/**
 * obs-browser's page-permission levels (window.obsstudio.getControlLevel) and what each OBS
 * command needs. No valibot here: the overlay bundle imports it.
 */
export const OBS_CONTROL_LEVEL = { NONE: 0, READ_OBS: 1, READ_USER: 2, BASIC: 3, ADVANCED: 4, ALL: 5 } as const;
/** Scene and transition lists need READ_USER; switching scenes ADVANCED; saving the replay BASIC. */
export const OBS_COMMAND_LEVEL = { scene: OBS_CONTROL_LEVEL.ADVANCED, 'replay.save': OBS_CONTROL_LEVEL.BASIC } as const;
export type ObsCommandName = keyof typeof OBS_COMMAND_LEVEL;
