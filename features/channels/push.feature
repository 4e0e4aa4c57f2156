@push
Feature: Push notifications from a campaign to a tapped banner
  A campaign in the platform goes through the fake APNs and FCM to simulated phones, where a person sees it and
  taps it. Consent, permissions, dead tokens, offline phones, collapse ids and payload limits behave as on the
  real services.

  Background:
    Given the app "Shop" with id "com.acme.shop"

  Scenario: A marketing push is delivered to an iPhone and tapped
    Given Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And a marketing push campaign "Summer sale" for the "Shop" app:
      | title     | Summer sale          |
      | body      | 15% off today only   |
      | deep link | shop://sale          |
    When the campaign "Summer sale" is sent to Alice
    Then Alice sees the notification "Summer sale" saying "15% off today only"
    When Alice taps the notification "Summer sale"
    Then the "Shop" app is open on Alice's phone at "shop://sale"
    And the report of "Summer sale" shows:
      | targeted | sent | delivered | opened | excluded |
      | 1        | 1    | 1         | 1      | 0        |

  Scenario: A marketing push reaches an Android phone, personalised
    Given Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And a marketing push campaign "Welcome back" for the "Shop" app:
      | title | Hi {{ profile.firstName }}         |
      | body  | Your basket misses you             |
    When the campaign "Welcome back" is sent to Bob
    Then Bob sees the notification "Hi Bob" saying "Your basket misses you"
    When Bob taps the notification "Hi Bob"
    Then the report of "Welcome back" shows:
      | sent | delivered | opened |
      | 1    | 1         | 1      |

  Scenario: A marketing push without consent is excluded and never reaches the phone
    Given Alice has an iPhone with the "Shop" app
    And Alice has refused marketing push
    And Bob has an Android phone with the "Shop" app
    And a marketing push campaign "Summer sale" for the "Shop" app:
      | title | Summer sale        |
      | body  | 15% off today only |
    When the campaign "Summer sale" is sent to Alice and Bob
    Then Alice was excluded from "Summer sale" with PushNoConsent 050111
    And Bob was excluded from "Summer sale" with PushNoConsent 050111
    And Alice sees no notification
    And Bob sees no notification
    And the report of "Summer sale" shows:
      | targeted | excluded | sent |
      | 2        | 2        | 0    |

  Scenario: A transactional push is delivered without marketing consent
    Given Alice has an iPhone with the "Shop" app
    And Alice has refused marketing push
    And a transactional push campaign "Order shipped" for the "Shop" app:
      | title | Your order has shipped       |
      | body  | It arrives tomorrow          |
    When the campaign "Order shipped" is sent to Alice
    Then Alice sees the notification "Your order has shipped"

  Scenario: Notifications turned off: the push service accepts, the phone shows nothing
    Given Alice has an iPhone with the "Shop" app but notifications turned off
    And Alice has agreed to marketing push
    And a marketing push campaign "Summer sale" for the "Shop" app:
      | title | Summer sale        |
      | body  | 15% off today only |
    When the campaign "Summer sale" is sent to Alice
    Then Alice sees no notification
    And Alice's phone received "Summer sale" without showing it
    And the report of "Summer sale" shows:
      | sent | delivered |
      | 1    | 1         |

  Scenario: An uninstalled app bounces, its token is denylisted, and the next campaign excludes the profile
    Given Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And a marketing push campaign "Summer sale" for the "Shop" app:
      | title | Summer sale        |
      | body  | 15% off today only |
    And a marketing push campaign "Last chance" for the "Shop" app:
      | title | Last chance        |
      | body  | Sale ends tonight  |
    When Alice uninstalls the "Shop" app
    And the campaign "Summer sale" is sent to Alice
    Then the push service bounced "Summer sale" for Alice with Unregistered
    And the push token of Alice's iPhone for the "Shop" app is denylisted
    And the report of "Summer sale" shows:
      | sent | delivered | bounces |
      | 1    | 0         | 1       |
    When the campaign "Last chance" is sent to Alice
    Then Alice was excluded from "Last chance" with PushNoValidTokenFoundForApps 050031

  Scenario: An uninstalled Android app bounces with UNREGISTERED
    Given Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And a marketing push campaign "Summer sale" for the "Shop" app:
      | title | Summer sale        |
      | body  | 15% off today only |
    When Bob uninstalls the "Shop" app
    And the campaign "Summer sale" is sent to Bob
    Then the push service bounced "Summer sale" for Bob with UNREGISTERED
    And the push token of Bob's Android phone for the "Shop" app is denylisted

  Scenario: An offline phone back within the expiration shows only the latest notification
    Given Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And a marketing push campaign "Morning deal" for the "Shop" app:
      | title         | Morning deal   |
      | body          | 10% until noon |
      | expires after | 2 hours        |
    And a marketing push campaign "Lunch deal" for the "Shop" app:
      | title         | Lunch deal     |
      | body          | 20% until 2 pm |
      | expires after | 2 hours        |
    When Alice's phone goes offline
    And the campaign "Morning deal" is sent to Alice
    And 10 minutes pass
    And the campaign "Lunch deal" is sent to Alice
    Then Alice sees no notification
    When 30 minutes pass
    And Alice's phone comes back online
    Then Alice sees 1 notification
    And Alice sees the notification "Lunch deal"

  Scenario: An offline phone back after the expiration shows nothing
    Given Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And a marketing push campaign "Flash sale" for the "Shop" app:
      | title         | Flash sale     |
      | body          | One hour only  |
      | expires after | 1 hour         |
    When Alice's phone goes offline
    And the campaign "Flash sale" is sent to Alice
    And 2 hours pass
    And Alice's phone comes back online
    Then Alice sees no notification

  Scenario: A collapse id replaces the banner that carries it
    Given Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And a marketing push campaign "Score 1-0" for the "Shop" app:
      | title      | Score 1-0 |
      | body       | Goal!     |
      | collapse id | match-42 |
    And a marketing push campaign "Score 2-0" for the "Shop" app:
      | title       | Score 2-0     |
      | body        | Another goal! |
      | collapse id | match-42      |
    When the campaign "Score 1-0" is sent to Alice
    And the campaign "Score 2-0" is sent to Alice
    Then Alice sees 1 notification
    And Alice sees the notification "Score 2-0"

  Scenario: A payload over 4096 bytes is rejected, counted, and never shown
    Given Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And a marketing push campaign "Huge" for the "Shop" app with a body of 5000 characters
    When the campaign "Huge" is sent to Alice
    Then the push service refused "Huge" for Alice with PayloadTooLarge
    And Alice sees no notification
    And the report of "Huge" shows:
      | sent | delivered | errors |
      | 1    | 0         | 1      |

  Scenario: An action button is tracked as a custom action
    Given Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And a marketing push campaign "New arrivals" for the "Shop" app:
      | title   | New arrivals                           |
      | body    | Spring collection is in                |
      | buttons | Shop now -> shop://new, Later          |
    When the campaign "New arrivals" is sent to Alice
    And Alice taps "Shop now" on the notification "New arrivals"
    Then the "Shop" app is open on Alice's phone at "shop://new"
    And the report of "New arrivals" shows:
      | delivered | clicked | opened |
      | 1         | 1       | 0      |
