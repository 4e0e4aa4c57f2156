@rules
Feature: Quiet hours in the recipient's time zone
  Nobody is woken at 3 a.m.: a message inside quiet hours waits for the period to end (queue) or is dropped and its
  journey left (discard). A period crossing midnight belongs to the day it starts; no time zone on the profile means
  quiet hours are not enforced.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And Alice lives in the "America/New_York" time zone
    And a marketing push campaign "Late deal" for the "Shop" app:
      | title | Late deal |
      | body  | Tonight   |

  Scenario: A message inside quiet hours is queued until they end, across midnight
    Given quiet hours from 22:00 to 08:00 every day in the recipient's time zone on push, queued
    When it is Monday 23:30 in Alice's time zone
    And the campaign "Late deal" is sent to Alice
    Then Alice sees no notification
    When it is Tuesday 07:59 in Alice's time zone
    Then Alice sees no notification
    When 1 minute passes
    Then Alice sees the notification "Late deal"

  Scenario: A period belongs to the day it starts
    Given quiet hours from 22:00 to 08:00 on Friday in the recipient's time zone on push, queued
    When it is Saturday 02:00 in Alice's time zone
    And the campaign "Late deal" is sent to Alice
    Then Alice sees no notification
    When it is Saturday 08:00 in Alice's time zone
    Then Alice sees the notification "Late deal"

  Scenario: A message outside the period's days goes at once
    Given quiet hours from 22:00 to 08:00 on Friday in the recipient's time zone on push, queued
    When it is Sunday 02:00 in Alice's time zone
    And the campaign "Late deal" is sent to Alice
    Then Alice sees the notification "Late deal"

  Scenario: A discarded message is excluded and its journey is left
    Given quiet hours from 22:00 to 08:00 every day in the recipient's time zone on push, discarded
    And the journey:
      """
      id: nightly
      name: Nightly
      entry: {type: event, event: late.browse}
      steps:
        nudge: {type: action, channel: push, app: com.acme.shop, message: {title: "Still up?", body: "x"}, next: wait}
        wait: {type: wait, duration: 1d, next: again}
        again: {type: action, channel: push, app: com.acme.shop, message: {title: "Tomorrow", body: "y"}}
      """
    When it is Monday 23:00 in Alice's time zone
    And the event "late.browse" happens for Alice
    Then Alice left the journey "nightly" because "quiet hours"
    And Alice was excluded at the step "nudge" of the journey "nightly" with ExcludedForControlRules 050002
    When 2 days pass
    Then Alice sees no notification

  Scenario: Without a time zone on the profile, recipient-zone quiet hours are not enforced
    Given Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And quiet hours from 00:00 to 23:59 every day in the recipient's time zone on push, queued
    When the campaign "Late deal" is sent to Bob
    Then Bob sees the notification "Late deal"

  Scenario: A message queued for longer than a week is dropped
    Given quiet hours from 20:00 to 09:00 every day in "America/New_York" on push, queued
    And quiet hours from 08:00 to 21:00 every day in "America/New_York" on push, queued
    When the campaign "Late deal" is sent to Alice
    And 8 days pass
    Then Alice sees no notification
    And Alice was excluded from "Late deal" with ExcludedForControlRules 050002
