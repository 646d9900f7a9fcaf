-- interviewd schema, version 4: outbox rows by recipient, for a chat front end's own
-- messages and for finding the first email of a thread to a person.
CREATE INDEX outbox_recipient ON outbox(recipient, id);
