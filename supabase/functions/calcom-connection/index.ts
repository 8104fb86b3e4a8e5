// Placeholder until its issue lands: answers 501 so a deployed stub is never mistaken for the function.
Deno.serve(() =>
  Response.json({
    success: false,
    error: { code: "not_implemented", message: "calcom-connection is not implemented yet" },
  }, {
    status: 501,
  })
);
