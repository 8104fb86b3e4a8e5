/**
 * `GET /v2/me` (contract §4): the profile of the API key's owner.
 *
 * @module
 */

import { caller, type Handler } from "./route_context.ts";

/** Answers `GET /v2/me` with Cal.com's `GetMeOutput` data. */
export const getMe: Handler = (_ctx, req) => {
  const u = caller(req);
  return {
    status: 200,
    data: {
      id: u.id,
      username: u.username,
      email: u.email,
      name: u.name,
      avatarUrl: null,
      bio: null,
      timeFormat: u.timeFormat,
      defaultScheduleId: u.defaultScheduleId,
      weekStart: u.weekStart,
      timeZone: u.timeZone,
      organizationId: null,
    },
  };
};
