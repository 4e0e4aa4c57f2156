@journeys
Feature: Waits, times of day, branches and splits on the virtual clock

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push

  Scenario: A three-day wait takes no time and fires at the right moment
    Given the journey:
      """
      id: welcome
      name: Welcome series
      entry: {type: event, event: app.firstLaunch}
      steps:
        hello:
          type: action
          channel: push
          app: com.acme.shop
          message: {title: "Welcome", body: "Glad you're here"}
          next: wait
        wait: {type: wait, duration: 3d, next: tips}
        tips:
          type: action
          channel: push
          app: com.acme.shop
          message: {title: "Three tips", body: "Make the most of the app"}
          next: done
        done: {type: end}
      """
    When the event "app.firstLaunch" happens for Alice
    Then Alice sees 1 notification
    And Alice is in the journey "welcome" at step "wait"
    When 71 hours pass
    Then Alice sees 1 notification
    When 1 hour passes
    Then Alice sees the notification "Three tips"
    And Alice finished the journey "welcome"

  Scenario: A wait until a time of day follows the person's time zone
    Given Alice lives in the "Asia/Tokyo" time zone
    And the journey:
      """
      id: morning
      name: Morning digest
      entry: {type: event, event: digest.subscribed}
      steps:
        wait: {type: wait, time_of_day: "08:00", next: digest}
        digest:
          type: action
          channel: push
          app: com.acme.shop
          message: {title: "Good morning", body: "Your digest"}
      """
    When the event "digest.subscribed" happens for Alice
    Then Alice sees no notification
    When it is Tuesday 07:59 in Alice's time zone
    Then Alice sees no notification
    When 1 minute passes
    Then Alice sees the notification "Good morning"

  Scenario Outline: A condition sends each tier down its branch
    Given Alice's profile has:
      | tier | <tier> |
    And the journey:
      """
      id: loyalty
      name: Loyalty offers
      entry: {type: event, event: loyalty.check}
      steps:
        tier:
          type: condition
          branches:
            - {name: gold, when: "profile.tier == 'gold'", next: gold_offer}
          otherwise: standard_offer
        gold_offer:
          type: action
          channel: push
          app: com.acme.shop
          message: {title: "Gold lounge", body: "Free upgrade"}
        standard_offer:
          type: action
          channel: push
          app: com.acme.shop
          message: {title: "Join gold", body: "Earn points"}
      """
    When the event "loyalty.check" happens for Alice
    Then Alice took the branch "<branch>" in the journey "loyalty"
    And Alice sees the notification "<title>"

    Examples:
      | tier   | branch    | title       |
      | gold   | gold      | Gold lounge |
      | silver | otherwise | Join gold   |

  Scenario: A percentage split is deterministic under the seed
    Given Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And the journey:
      """
      id: ab-test
      name: A/B subject line
      entry: {type: event, event: ab.enter}
      steps:
        split:
          type: split
          branches:
            - {name: A, percent: 50, next: a}
            - {name: B, percent: 50, next: b}
        a: {type: action, channel: push, app: com.acme.shop, message: {title: "Variant A", body: "a"}}
        b: {type: action, channel: push, app: com.acme.shop, message: {title: "Variant B", body: "b"}}
      """
    When the event "ab.enter" happens for Alice
    And the event "ab.enter" happens for Bob
    Then the report of the journey "ab-test" shows:
      | entered | ended |
      | 2       | 2     |

  Scenario: A wait for an event takes its timeout path when nothing comes
    Given the journey:
      """
      id: onboarding
      name: Finish your profile
      entry: {type: event, event: account.created}
      steps:
        profile_done:
          type: wait_for_event
          event: profile.completed
          timeout: 2d
          next: thanks
          timeout_next: remind
        thanks: {type: action, channel: push, app: com.acme.shop, message: {title: "Thanks!", body: "All set"}}
        remind: {type: action, channel: push, app: com.acme.shop, message: {title: "Almost there", body: "Finish your profile"}}
      """
    When the event "account.created" happens for Alice
    And 2 days pass
    Then Alice sees the notification "Almost there"
    And Alice's path in the journey "onboarding" is "profile_done, remind"

  Scenario: A wait for an event moves on when the event comes
    Given the journey:
      """
      id: onboarding
      name: Finish your profile
      entry: {type: event, event: account.created}
      steps:
        profile_done:
          type: wait_for_event
          event: profile.completed
          timeout: 2d
          next: thanks
          timeout_next: remind
        thanks: {type: action, channel: push, app: com.acme.shop, message: {title: "Thanks!", body: "All set"}}
        remind: {type: action, channel: push, app: com.acme.shop, message: {title: "Almost there", body: "Finish your profile"}}
      """
    When the event "account.created" happens for Alice
    And 5 hours pass
    And the event "profile.completed" happens for Alice
    Then Alice sees the notification "Thanks!"
    When 3 days pass
    Then Alice sees 1 notification

  Scenario: A wait that cannot end before the 91-day timeout is not entered
    Given the journey:
      """
      id: long-haul
      name: Long haul
      entry: {type: event, event: trip.booked}
      steps:
        first: {type: wait, duration: 60d, next: second}
        second: {type: wait, duration: 40d, next: late}
        late: {type: action, channel: push, app: com.acme.shop, message: {title: "Too late", body: "x"}}
      """
    When the event "trip.booked" happens for Alice
    And 61 days pass
    Then Alice left the journey "long-haul" because "cannot end before the journey's timeout"
    And Alice sees no notification

  Scenario: An in-app offer stays live while the person is in the journey and is withdrawn when they leave
    Given the journey:
      """
      id: inapp-offer
      name: In-app offer until purchase
      entry: {type: event, event: offer.start}
      exit: [{event: commerce.purchase}]
      steps:
        offer:
          type: action
          channel: inapp
          app: com.acme.shop
          message: {title: "15% off today", body: "In the app only", trigger: {event: launch}}
          next: wait
        wait: {type: wait, duration: 3d}
      """
    When the event "offer.start" happens for Alice
    And Alice opens the "Shop" app
    Then Alice sees the modal in-app message "15% off today"
    When Alice closes the in-app message
    And the event "commerce.purchase" happens for Alice
    Then Alice left the journey "inapp-offer" because "exit criterion"
    When Alice opens the "Shop" app
    Then Alice sees no in-app message
