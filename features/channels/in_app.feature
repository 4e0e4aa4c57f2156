@inapp
Feature: In-app messages, triggered on the phone
  A campaign makes an in-app message live for a person; the phone gets its rules when the app fetches propositions
  (at launch) and shows the message when its trigger fires on the phone: app launch, install, update or close, a
  tracked action or state, a point of interest entered or left, with traits of the device. How often it shows, which
  one wins when several fire, and every display, click, dismissal and suppression are counted.

  # Withdrawal when a journey ends comes with journeys: a journey's inbound action is made live through the same
  # sender and withdrawn when the profile leaves the journey (`simulator.platform.propositions.withdraw`).

  Background:
    Given the app "Shop" with id "com.acme.shop"

  Scenario: A message shown on app launch, with a deep link button
    Given Alice has an iPhone with the "Shop" app
    And an in-app message campaign "Welcome" for the "Shop" app shown on app launch:
      | title   | Welcome back                     |
      | body    | 15% off today                    |
      | image   | https://cdn.acme.test/sale.png   |
      | buttons | Shop now -> shop://sale, Not now |
    When the campaign "Welcome" is sent to Alice
    Then Alice sees no in-app message
    When Alice opens the "Shop" app
    Then Alice sees the modal in-app message "Welcome back"
    And the in-app message on Alice's phone has the buttons "Shop now" and "Not now"
    And the in-app message on Alice's phone has the image "https://cdn.acme.test/sale.png"
    When Alice taps "Shop now" in the in-app message
    Then Alice sees no in-app message
    And the "Shop" app is open on Alice's phone at "shop://sale"
    And the report of "Welcome" shows:
      | targeted | sent | delivered | excluded |
      | 1        | 1    | 1         | 0        |
    And the in-app report of "Welcome" shows:
      | displayed | clicked | clicked "Shop now" | dismissed |
      | 1         | 1       | 1                  | 1         |

  Scenario: A message shown when the app is installed
    Given Alice has an Android phone
    And an in-app message campaign "Hello" for the "Shop" app shown on app install:
      | layout | full-screen          |
      | title  | Thanks for joining   |
      | body   | Here is 10% off      |
    When the campaign "Hello" is sent to Alice
    And Alice installs the "Shop" app
    Then Alice sees the full-screen in-app message "Thanks for joining"
    When Alice closes the in-app message
    And Alice closes the "Shop" app
    And 10 minutes pass
    And Alice opens the "Shop" app
    Then Alice sees no in-app message
    And the in-app report of "Hello" shows:
      | displayed | dismissed | clicked |
      | 1         | 1         | 0       |

  Scenario: A message shown after the app is updated
    Given Alice has an iPhone with the "Shop" app
    And an in-app message campaign "What's new" for the "Shop" app shown on app update:
      | layout | banner               |
      | title  | New in 2.0           |
      | body   | Scan to pay in store |
    When the campaign "What's new" is sent to Alice
    And Alice opens the "Shop" app
    Then Alice sees no in-app message
    When Alice updates the "Shop" app to version "2.0"
    And Alice opens the "Shop" app
    Then Alice sees the banner in-app message "New in 2.0"

  Scenario: A message triggered when the app closes shows when the person comes back
    Given Alice has an iPhone with the "Shop" app
    And an in-app message campaign "Come back" for the "Shop" app shown on app close:
      | title | Leaving already?        |
      | body  | Your basket is saved    |
    When the campaign "Come back" is sent to Alice
    And Alice opens the "Shop" app
    Then Alice sees no in-app message
    When Alice closes the "Shop" app
    And 1 minute passes
    And Alice opens the "Shop" app
    Then Alice sees the in-app message "Leaving already?"

  Scenario: A message shown when the app tracks an action, and one when it tracks a state
    Given Alice has an iPhone with the "Shop" app
    And an in-app message campaign "Cart tip" for the "Shop" app shown when the action "add_to_cart" is tracked:
      | title | Free delivery over $50 |
    And an in-app message campaign "Checkout help" for the "Shop" app shown when the state "checkout" is tracked:
      | title | Need help paying? |
    When the campaign "Cart tip" is sent to Alice
    And the campaign "Checkout help" is sent to Alice
    And Alice opens the "Shop" app
    Then Alice sees no in-app message
    When Alice's "Shop" app tracks the action "view_product"
    Then Alice sees no in-app message
    When Alice's "Shop" app tracks the action "add_to_cart"
    Then Alice sees the in-app message "Free delivery over $50"
    When Alice closes the in-app message
    And Alice's "Shop" app tracks the state "checkout"
    Then Alice sees the in-app message "Need help paying?"

  Scenario: Messages shown when entering and when leaving a point of interest
    Given Alice has an iPhone with the "Shop" app
    And an in-app message campaign "In store" for the "Shop" app shown when entering "Downtown store":
      | title | Welcome to Downtown |
    And an in-app message campaign "See you" for the "Shop" app shown when leaving "Downtown store":
      | title | Thanks for visiting |
    When the campaign "In store" is sent to Alice
    And the campaign "See you" is sent to Alice
    And Alice opens the "Shop" app
    And Alice enters the point of interest "Uptown store"
    Then Alice sees no in-app message
    When Alice enters the point of interest "Downtown store"
    Then Alice sees the in-app message "Welcome to Downtown"
    When Alice closes the in-app message
    And Alice leaves the point of interest "Downtown store"
    Then Alice sees the in-app message "Thanks for visiting"

  Scenario: Traits: the device's language, system and launch count decide who sees the message
    Given Alice has an iPhone with the "Shop" app
    And Bob has an Android phone with the "Shop" app
    And Bob's phone is set to the "fr-FR" language
    And an in-app message campaign "Bonjour" for the "Shop" app shown on app launch:
      | title  | Bonjour !                                  |
      | traits | locale = fr-FR, os = Android, launches >= 2 |
    When the campaign "Bonjour" is sent to Alice and Bob
    And Alice opens the "Shop" app
    And Bob opens the "Shop" app
    Then Alice sees no in-app message
    And Bob sees the in-app message "Bonjour !"

  Scenario: Frequency every time: at each trigger, in every session
    Given Alice has an iPhone with the "Shop" app
    And an in-app message campaign "Tip" for the "Shop" app shown when the action "search" is tracked:
      | title     | Try the filters |
      | frequency | every time      |
    When the campaign "Tip" is sent to Alice
    And Alice opens the "Shop" app
    And Alice's "Shop" app tracks the action "search"
    And Alice closes the in-app message
    And Alice's "Shop" app tracks the action "search"
    And Alice closes the in-app message
    And Alice force-quits the "Shop" app
    And Alice opens the "Shop" app
    And Alice's "Shop" app tracks the action "search"
    Then Alice has seen the in-app message "Try the filters" 3 times
    And the in-app report of "Tip" shows:
      | displayed | dismissed |
      | 3         | 2         |

  Scenario: Frequency once per session: again only in a new session
    Given Alice has an iPhone with the "Shop" app
    And an in-app message campaign "Tip" for the "Shop" app shown when the action "search" is tracked:
      | title     | Try the filters  |
      | frequency | once per session |
    When the campaign "Tip" is sent to Alice
    And Alice opens the "Shop" app
    And Alice's "Shop" app tracks the action "search"
    And Alice closes the in-app message
    And Alice's "Shop" app tracks the action "search"
    Then Alice sees no in-app message
    # back within the session timeout (5 minutes): the same session
    When Alice closes the "Shop" app
    And 2 minutes pass
    And Alice opens the "Shop" app
    And Alice's "Shop" app tracks the action "search"
    Then Alice sees no in-app message
    # back after the timeout: a new session
    When Alice closes the "Shop" app
    And 10 minutes pass
    And Alice opens the "Shop" app
    And Alice's "Shop" app tracks the action "search"
    Then Alice sees the in-app message "Try the filters"
    And Alice has seen the in-app message "Try the filters" twice

  Scenario: Frequency until click-through: in every session until the person taps through
    Given Alice has an iPhone with the "Shop" app
    And an in-app message campaign "Upgrade" for the "Shop" app shown on app launch:
      | title     | Go premium                                     |
      | buttons   | Learn more -> https://acme.test/premium, Later |
      | frequency | until click-through                            |
    When the campaign "Upgrade" is sent to Alice
    And Alice opens the "Shop" app
    And Alice taps "Later" in the in-app message
    And Alice force-quits the "Shop" app
    And Alice opens the "Shop" app
    Then Alice sees the in-app message "Go premium"
    When Alice taps "Learn more" in the in-app message
    Then Alice's browser opens "https://acme.test/premium"
    When Alice force-quits the "Shop" app
    And Alice opens the "Shop" app
    Then Alice sees no in-app message
    And Alice has seen the in-app message "Go premium" twice
    And the in-app report of "Upgrade" shows:
      | displayed | clicked | clicked "Later" | clicked "Learn more" | dismissed |
      | 2         | 2       | 1               | 1                    | 2         |

  Scenario: One message at a time: the lower priority one is suppressed for Conflict
    Given Alice has an iPhone with the "Shop" app
    And an in-app message campaign "Flash sale" for the "Shop" app shown on app launch:
      | title    | Flash sale: 2 hours left |
      | priority | 10                       |
    And an in-app message campaign "Summer" for the "Shop" app shown on app launch:
      | layout   | full-screen     |
      | title    | Summer is here  |
      | priority | 80              |
    And an in-app message campaign "Cart tip" for the "Shop" app shown when the action "add_to_cart" is tracked:
      | title | Free delivery over $50 |
    When the campaign "Flash sale" is sent to Alice
    And the campaign "Summer" is sent to Alice
    And the campaign "Cart tip" is sent to Alice
    And Alice opens the "Shop" app
    Then Alice sees the full-screen in-app message "Summer is here"
    And the in-app message "Flash sale: 2 hours left" was not shown to Alice because of a Conflict
    When Alice's "Shop" app tracks the action "add_to_cart"
    Then Alice sees the in-app message "Summer is here"
    And the in-app message "Free delivery over $50" was not shown to Alice because of a Conflict
    And the in-app report of "Flash sale" shows:
      | displayed | suppressed Conflict |
      | 0         | 1                   |
    And the in-app report of "Summer" shows:
      | displayed | suppressed |
      | 1         | 0          |
    And the in-app report of "Cart tip" shows:
      | displayed | suppressed Conflict |
      | 0         | 1                   |

  Scenario: A personalised message, and one whose template fails for the person
    Given Alice has an iPhone with the "Shop" app
    And an in-app message campaign "Hi" for the "Shop" app shown on app launch:
      | title | Hi {{ profile.firstName }} |
      | body  | Good to see you            |
    And an in-app message campaign "Nickname" for the "Shop" app shown on app launch:
      | title    | Hey {{ profile.nickname }} |
      | priority | 90                         |
    When the campaign "Hi" is sent to Alice
    And the campaign "Nickname" is sent to Alice
    And Alice opens the "Shop" app
    Then Alice sees the in-app message "Hi Alice"
    And Alice was excluded from "Nickname" with RuntimeRenderingError 050302
    And the report of "Nickname" shows:
      | targeted | excluded | sent | delivered |
      | 1        | 1        | 0    | 0         |
