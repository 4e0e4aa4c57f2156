@journeys @campaigns
Feature: Versions, re-entrance, personalization, audiences and scheduled campaigns

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push

  Scenario: A new version takes new entries while running instances finish on theirs
    Given Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And the journey:
      """
      id: promo
      name: Promo
      entry: {type: event, event: promo.start}
      steps:
        wait: {type: wait, duration: 1d, next: offer}
        offer: {type: action, channel: push, app: com.acme.shop, message: {title: "Offer v1", body: "10% off"}}
      """
    When the event "promo.start" happens for Alice
    And 1 hour passes
    Given a new version of the journey:
      """
      id: promo
      name: Promo
      entry: {type: event, event: promo.start}
      steps:
        wait: {type: wait, duration: 1d, next: offer}
        offer: {type: action, channel: push, app: com.acme.shop, message: {title: "Offer v2", body: "20% off"}}
      """
    When the event "promo.start" happens for Bob
    And 1 day passes
    Then Alice sees the notification "Offer v1"
    And Bob sees the notification "Offer v2"

  Scenario: With re-entrance off, nobody enters twice within the global timeout
    Given the journey:
      """
      id: once-only
      name: Once only
      entry: {type: event, event: signup}
      reentrance: {allowed: false}
      steps:
        hi: {type: action, channel: push, app: com.acme.shop, message: {title: "Hi", body: "Welcome"}}
      """
    When the event "signup" happens for Alice
    And 30 days pass
    And the event "signup" happens for Alice
    Then Alice entered the journey "once-only" once

  Scenario: Personalization uses a fallback, and a render error excludes the profile
    Given the journey:
      """
      id: greet
      name: Greeting
      entry: {type: event, event: greet}
      steps:
        kind:
          type: action
          channel: push
          app: com.acme.shop
          message: {title: "Hello {{ profile.nickname | default('friend') }}", body: "We missed you"}
          next: strict
        strict:
          type: action
          channel: push
          app: com.acme.shop
          message: {title: "Your code", body: "{{ profile.voucher.code }}"}
      """
    When the event "greet" happens for Alice
    Then Alice sees the notification "Hello friend"
    And Alice sees 1 notification
    And Alice was excluded at the step "strict" of the journey "greet" with RuntimeRenderingError 050302
    And Alice finished the journey "greet"

  Scenario: An API-triggered transactional campaign renders its context
    Given Alice has refused marketing push
    And a transactional push campaign "Order shipped" for the "Shop" app:
      | title | Order {{ context.orderId }} shipped |
      | body  | Arriving {{ context.eta }}          |
    When the campaign "Order shipped" is sent to Alice with context:
      | orderId | A-1042   |
      | eta     | tomorrow |
    Then Alice sees the notification "Order A-1042 shipped" saying "Arriving tomorrow"

  Scenario: A campaign to a rule audience reaches only those in it
    Given Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And Alice's profile has:
      | tier       | gold |
      | churnScore | 0.8  |
    And Bob's profile has:
      | tier | silver |
    And the audience "gold-churners" of people where "profile.tier == 'gold' and profile.churnScore > 0.7"
    And a marketing push campaign "We miss you" for the "Shop" app:
      | title | We miss you      |
      | body  | A gift is inside |
    When the campaign "We miss you" is sent to the audience "gold-churners"
    Then Alice sees the notification "We miss you"
    And Bob sees no notification

  Scenario: A scheduled campaign runs at its date, a recurring one every week
    Given the audience "everyone" of people where "true"
    And a marketing push campaign "New year" for the "Shop" app, sent to the audience "everyone" on "2026-01-06T10:00:00Z":
      | title | New year deals |
      | body  | Starting now   |
    And a marketing push campaign "Weekly" for the "Shop" app, sent to the audience "everyone" every week from "2026-01-09T09:00:00Z":
      | title       | Weekly picks |
      | body        | Fresh ideas  |
      | collapse id | weekly       |
    Then Alice sees no notification
    When it is Tuesday 10:00
    Then Alice sees the notification "New year deals"
    When it is Friday 09:00
    Then Alice sees 2 notifications
    When 14 days pass
    Then the report of "Weekly" shows:
      | sent | delivered |
      | 3    | 3         |

  Scenario: A journey reads an audience on its schedule
    Given Alice's profile has:
      | tier | gold |
    And the audience "gold" of people where "profile.tier == 'gold'"
    And the journey:
      """
      id: gold-weekly
      name: Gold weekly
      entry: {type: read_audience, audience: gold, at: "2026-01-07T09:00:00Z", every: weekly}
      reentrance: {allowed: true, wait: 1h}
      steps:
        note: {type: action, channel: push, app: com.acme.shop, message: {title: "Gold news", body: "This week", collapseId: gold}}
      """
    When it is Wednesday 09:00
    Then Alice entered the journey "gold-weekly" once
    When 7 days pass
    Then Alice entered the journey "gold-weekly" twice
